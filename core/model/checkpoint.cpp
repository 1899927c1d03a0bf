#include "model/checkpoint.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "common/text_file.h"
#include "model/safetensors.h"
#include "model/torch_safetensors.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inoculab::model {

namespace fs = std::filesystem;

namespace {

constexpr const char *kFormat = "inoculab-gpt";
constexpr const char *kTrainableFormat = "inoculab-trainable";

// Renames are durable once the folder holding them is synced.
void syncFolder(const fs::path &folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// Checkpoints are fp32 whatever the training dtype: a resumed run continues from exact values.
void writeTensors(const std::string &path, const std::vector<std::pair<std::string, torch::Tensor>> &named,
                  const std::map<std::string, std::string> &metadata) {
    writeTorchSafetensors(path, named, torch::kFloat, metadata);
}

torch::Tensor toTensor(const SafetensorsFile &file, const TensorInfo &info, const std::string &path) {
    if (info.dtype != DType::F32)
        throw common::InputError(path, 0,
                                 "tensor " + info.name + ": expected F32, got " + std::string(dtypeName(info.dtype)));
    return tensorFromBytes(info, file.bytes(info));
}

std::string shapeText(c10::IntArrayRef shape) {
    std::ostringstream s;
    s << shape;
    return s.str();
}

// Every tensor of `weights` from the file by name, and nothing else in the file.
void copyWeights(const SafetensorsFile &file, const std::string &path,
                 const std::vector<std::pair<std::string, torch::Tensor>> &weights) {
    torch::NoGradGuard noGrad;
    for (const auto &[name, param] : weights) {
        const TensorInfo *info = file.find(name);
        if (!info) throw common::InputError(path, 0, "tensor " + name + " is missing");
        torch::Tensor t = toTensor(file, *info, path);
        if (t.sizes() != param.sizes())
            throw common::InputError(path, 0,
                                     "tensor " + name + ": shape " + shapeText(t.sizes()) +
                                         " does not fit the model's " + shapeText(param.sizes()));
        param.copy_(t.to(param.device(), param.scalar_type()));
    }
    if (file.tensors().size() != weights.size()) {
        for (const TensorInfo &info : file.tensors()) {
            bool known = false;
            for (const auto &w : weights) known = known || w.first == info.name;
            if (!known) throw common::InputError(path, 0, "unexpected tensor " + info.name);
        }
    }
}

GptConfig configOf(const SafetensorsFile &file, const std::string &path) {
    auto format = file.metadata().find("format");
    auto config = file.metadata().find("config");
    if (format == file.metadata().end() || format->second != kFormat || config == file.metadata().end())
        throw common::InputError(
            path, 0,
            "not an Inoculab toy model (its metadata lacks format \"" + std::string(kFormat) + "\" and config)");
    try {
        return gptConfigFromJson(nlohmann::json::parse(config->second));
    } catch (const std::exception &e) {
        throw common::InputError(path, 0, std::string("metadata config: ") + e.what());
    }
}

}  // namespace

void saveWeights(const std::string &path, const Gpt &model) {
    writeTensors(path, model->namedWeights(), {{"format", kFormat}, {"config", toJson(model->config()).dump()}});
}

Gpt loadWeights(const std::string &path) {
    SafetensorsFile file = SafetensorsFile::open(path);
    Gpt model(configOf(file, path));
    copyWeights(file, path, model->namedWeights());
    return model;
}

namespace {

void loadGptWeightsInto(const std::string &path, GptImpl &model) {
    SafetensorsFile file = SafetensorsFile::open(path);
    if (configOf(file, path) != model.config())
        throw common::InputError(path, 0,
                                 "metadata config: " + toJson(configOf(file, path)).dump() +
                                     " differs from the model's " + toJson(model.config()).dump());
    copyWeights(file, path, model.namedWeights());
}

}  // namespace

void loadWeightsInto(const std::string &path, Gpt &model) { loadGptWeightsInto(path, *model); }

void saveCheckpointFiles(const std::string &dir, const CausalLmImpl &model,
                         const std::vector<std::pair<std::string, torch::Tensor>> &optimizerTensors,
                         const nlohmann::json &metadata) {
    // Written beside the old folder, then swapped in: a crash leaves the old one or the new one.
    fs::path target(dir), partial = target.string() + ".partial", old = target.string() + ".old";
    fs::remove_all(partial);
    fs::create_directories(partial);
    if (const auto *gpt = dynamic_cast<const GptImpl *>(&model))
        writeTensors((partial / kWeightsFile).string(), gpt->namedWeights(),
                     {{"format", kFormat}, {"config", toJson(gpt->config()).dump()}});
    else
        writeTensors((partial / kWeightsFile).string(), model.trainableWeights(), {{"format", kTrainableFormat}});
    writeTensors((partial / kOptimizerFile).string(), optimizerTensors, {});
    common::AtomicFileWriter meta((partial / kTrainerFile).string());
    meta.write(metadata.dump(2) + "\n");
    meta.commit();
    syncFolder(partial);
    if (fs::exists(target)) {
        // One atomic exchange: at every instant `target` is a whole checkpoint, old or new.
        if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
            syncFolder(target.parent_path());
            fs::remove_all(partial);
            return;
        }
        // No exchange on this file system: the old one waits in .old until the new is in place.
        fs::remove_all(old);
        fs::rename(target, old);
    }
    fs::rename(partial, target);
    syncFolder(target.parent_path());
    fs::remove_all(old);
}

bool checkpointExists(const std::string &dir) {
    fs::path target(dir), old = target.string() + ".old";
    if (!fs::exists(target) && fs::exists(old / kTrainerFile)) fs::rename(old, target);
    return fs::exists(target / kTrainerFile);
}

LoadedCheckpoint loadCheckpointFiles(const std::string &dir, CausalLmImpl &model,
                                     const std::function<void(const nlohmann::json &)> &checkMetadata) {
    fs::path root(dir);
    LoadedCheckpoint out;
    std::string metaPath = (root / kTrainerFile).string();
    try {
        out.metadata = nlohmann::json::parse(common::readTextFile(metaPath));
    } catch (const nlohmann::json::exception &e) {
        throw common::InputError(metaPath, 0, e.what());
    }
    if (!out.metadata.is_object()) throw common::InputError(metaPath, 0, "expected a JSON object");
    for (const char *key : {"step", "adam_steps"})
        if (!out.metadata.contains(key) || !out.metadata[key].is_number_integer() ||
            out.metadata[key].get<std::int64_t>() < 0)
            throw common::InputError(metaPath, 0, std::string(key) + ": expected a non-negative integer");
    if (checkMetadata) checkMetadata(out.metadata);
    const std::string weightsPath = (root / kWeightsFile).string();
    if (auto *gpt = dynamic_cast<GptImpl *>(&model))
        loadGptWeightsInto(weightsPath, *gpt);
    else
        copyWeights(SafetensorsFile::open(weightsPath), weightsPath, model.trainableWeights());
    std::string optPath = (root / kOptimizerFile).string();
    SafetensorsFile opt = SafetensorsFile::open(optPath);
    for (const TensorInfo &info : opt.tensors()) out.tensors.emplace(info.name, toTensor(opt, info, optPath));
    return out;
}

}  // namespace inoculab::model
