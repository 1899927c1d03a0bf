#include "model/hf/merged_export.h"

#include "common/input_error.h"
#include "model/hf/hf_model.h"
#include "model/safetensors.h"

#include <filesystem>

namespace inoculab::model::hf {

namespace fs = std::filesystem;

namespace {

DType diskDtype(torch::Dtype dtype) {
    switch (dtype) {
    case torch::kFloat32: return DType::F32;
    case torch::kFloat16: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    default: throw std::invalid_argument("merged exports are F32, F16 or BF16");
    }
}

}  // namespace

void exportMergedModel(const CausalLmImpl &model, const std::string &baseFolder, const std::string &outDir,
                       torch::Dtype dtype) {
    const fs::path out(outDir);
    if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
        throw common::InputError(outDir, 0, "already exists and is not empty (an export never overwrites a model)");
    std::vector<std::pair<std::string, torch::Tensor>> weights = hfStateDict(model);
    std::vector<torch::Tensor> keep;
    std::vector<TensorToWrite> tensors;
    keep.reserve(weights.size());
    for (const auto &[name, tensor] : weights) {
        keep.push_back(tensor.detach().to(torch::kCPU, dtype).contiguous());
        const torch::Tensor &t = keep.back();
        tensors.push_back({name, diskDtype(dtype), std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
                           std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(t.data_ptr()), t.nbytes())});
    }
    // Built beside the target, then renamed into place: a reader never sees half a folder.
    const fs::path partial = out.string() + ".partial";
    fs::remove_all(partial);
    fs::create_directories(partial);
    writeSafetensors((partial / "model.safetensors").string(), tensors, {{"format", "pt"}});
    for (const char *file : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                             "special_tokens_map.json", "vocab.json", "merges.txt"}) {
        const fs::path from = fs::path(baseFolder) / file;
        if (fs::exists(from)) fs::copy_file(from, partial / file);
    }
    if (fs::exists(out)) fs::remove(out);  // the empty folder checked above
    fs::rename(partial, out);
}

}  // namespace inoculab::model::hf
