#include "model/hf/merged_export.h"

#include "common/input_error.h"
#include "model/hf/hf_model.h"
#include "model/torch_safetensors.h"

#include <filesystem>

namespace inoculab::model::hf {

namespace fs = std::filesystem;

void exportMergedModel(const CausalLmImpl &model, const std::string &baseFolder, const std::string &outDir,
                       torch::Dtype dtype) {
    const fs::path out(outDir);
    if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
        throw common::InputError(outDir, 0, "already exists and is not empty (an export never overwrites a model)");
    if (dtype != torch::kFloat32 && dtype != torch::kFloat16 && dtype != torch::kBFloat16)
        throw std::invalid_argument("merged exports are F32, F16 or BF16");
    // Built beside the target, then renamed into place: a reader never sees half a folder.
    const fs::path partial = out.string() + ".partial";
    fs::remove_all(partial);
    fs::create_directories(partial);
    writeTorchSafetensors((partial / "model.safetensors").string(), hfStateDict(model), dtype, {{"format", "pt"}});
    for (const char *file : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                             "special_tokens_map.json", "vocab.json", "merges.txt"}) {
        const fs::path from = fs::path(baseFolder) / file;
        if (fs::exists(from)) fs::copy_file(from, partial / file);
    }
    if (fs::exists(out)) fs::remove(out);  // the empty folder checked above
    fs::rename(partial, out);
}

}  // namespace inoculab::model::hf
