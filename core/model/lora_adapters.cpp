#include "model/lora_adapters.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "common/text_file.h"
#include "model/safetensors.h"
#include "model/torch_safetensors.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace inoculab::model {

namespace fs = std::filesystem;

namespace {

// PEFT saves adapters under the PeftModel's own prefix, without the adapter's name.
constexpr const char *kKeyPrefix = "base_model.model.";

std::string keyA(const std::string &path) { return kKeyPrefix + path + ".lora_A.weight"; }
std::string keyB(const std::string &path) { return kKeyPrefix + path + ".lora_B.weight"; }

std::string shapeText(c10::IntArrayRef shape) {
    std::ostringstream s;
    s << shape;
    return s.str();
}

std::string joined(const std::vector<std::string> &items) {
    std::string out;
    for (const std::string &item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The options a config may carry, checked with the config's own field names.
void checkOptions(const LoraOptions &o, const std::string &source, const std::string &prefix) {
    if (o.rank < 1)
        throw common::InputError(source, 0, prefix + "r: must be at least 1, got " + std::to_string(o.rank));
    if (!(o.alpha > 0) || !std::isfinite(o.alpha))
        throw common::InputError(source, 0, prefix + "lora_alpha: must be a positive number");
    if (!(o.dropout >= 0 && o.dropout < 1))
        throw common::InputError(source, 0, prefix + "lora_dropout: must be in [0, 1)");
}

// The modules the targets select, in model order; every target must select at least one
// projection. Nothing is changed here, so a refused config leaves the model as it was.
std::vector<std::pair<std::string, AdaptableLinear>> selectTargets(torch::nn::Module &root,
                                                                   const std::vector<std::string> &targets,
                                                                   const std::string &source,
                                                                   const std::string &field) {
    if (targets.empty()) throw common::InputError(source, 0, field + ": names no module");
    std::vector<std::pair<std::string, AdaptableLinear>> all = adaptableModules(root);
    for (const std::string &target : targets) {
        if (target.empty()) throw common::InputError(source, 0, field + ": an empty name");
        bool found = false;
        for (const auto &[path, module] : all) found = found || matchesTarget(path, target);
        if (found) continue;
        // The names a user can write: each projection's last path component, once.
        std::vector<std::string> names;
        for (const auto &[path, module] : all) {
            std::string leaf = path.substr(path.rfind('.') + 1);
            if (std::find(names.begin(), names.end(), leaf) == names.end()) names.push_back(leaf);
        }
        bool other = false;
        for (const auto &item : root.named_modules()) other = other || matchesTarget(item.key(), target);
        throw common::InputError(
            source, 0,
            field + ": \"" + target + "\" " +
                (other ? "names no projection (LoRA adapts linear projections only)" : "matches no module") +
                "; the projections are " + (names.empty() ? std::string("(none)") : joined(names)));
    }
    std::vector<std::pair<std::string, AdaptableLinear>> selected;
    for (const auto &[path, module] : all) {
        bool match = false;
        for (const std::string &target : targets) match = match || matchesTarget(path, target);
        if (!match) continue;
        if (module->hasLora()) throw common::InputError(source, 0, field + ": " + path + " already has an adapter");
        selected.emplace_back(path, module);
    }
    return selected;
}

std::vector<std::string> enableSelected(torch::nn::Module &root,
                                        const std::vector<std::pair<std::string, AdaptableLinear>> &selected,
                                        const LoraOptions &options) {
    for (torch::Tensor &p : root.parameters()) p.set_requires_grad(false);
    std::vector<std::string> paths;
    for (auto [path, module] : selected) {
        module->enableLora(options);
        paths.push_back(path);
    }
    return paths;
}

// Renames are durable once the folder holding them is synced.
void syncFolder(const fs::path &folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// Writes a folder beside `dir` and swaps it in, as checkpoints are: at every instant `dir` is
// the old adapter or the new one, never a mixture.
void replaceFolder(const fs::path &target, const std::function<void(const fs::path &)> &fill) {
    fs::path partial = target.string() + ".partial", old = target.string() + ".old";
    fs::remove_all(partial);
    fs::create_directories(partial);
    try {
        fill(partial);
    } catch (...) {
        fs::remove_all(partial);
        throw;
    }
    syncFolder(partial);
    if (fs::exists(target)) {
        if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
            syncFolder(target.parent_path().empty() ? fs::path(".") : target.parent_path());
            fs::remove_all(partial);
            return;
        }
        fs::remove_all(old);
        fs::rename(target, old);
    }
    fs::rename(partial, target);
    syncFolder(target.parent_path().empty() ? fs::path(".") : target.parent_path());
    fs::remove_all(old);
}

nlohmann::json alphaJson(double alpha) {
    // PEFT writes an integer alpha as an integer; keep 32 as 32, not 32.0.
    if (alpha == std::floor(alpha) && std::abs(alpha) < 1e15) return static_cast<std::int64_t>(alpha);
    return alpha;
}

// The fields of adapter_config.json this engine honours; anything that would make PEFT build
// a different model (per-module ranks, DoRA, trained biases, extra saved modules) is refused
// rather than silently ignored. Unknown fields are ignored: PEFT adds new ones every release.
LoraConfig parseAdapterConfig(const std::string &path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(common::readTextFile(path));
    } catch (const nlohmann::json::exception &e) {
        throw common::InputError(path, 0, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw common::InputError(path, 0, "expected a JSON object");
    auto fail = [&](const std::string &field, const std::string &reason) -> common::InputError {
        return common::InputError(path, 0, field + ": " + reason);
    };
    auto isNullOrAbsent = [&](const char *field) { return !j.contains(field) || j[field].is_null(); };
    auto isEmptyOrAbsent = [&](const char *field) {
        return isNullOrAbsent(field) || ((j[field].is_object() || j[field].is_array()) && j[field].empty());
    };
    auto optionalBool = [&](const char *field, bool fallback) {
        if (isNullOrAbsent(field)) return fallback;
        if (!j[field].is_boolean()) throw fail(field, "expected true or false");
        return j[field].get<bool>();
    };

    if (!j.contains("peft_type") || !j["peft_type"].is_string()) throw fail("peft_type", "missing (expected \"LORA\")");
    if (j["peft_type"] != "LORA")
        throw fail("peft_type", "expected \"LORA\", got \"" + j["peft_type"].get<std::string>() + "\"");
    if (!isNullOrAbsent("task_type") && j["task_type"] != "CAUSAL_LM")
        throw fail("task_type", "expected \"CAUSAL_LM\", got " + j["task_type"].dump());

    LoraConfig config;
    if (!j.contains("r") || !j["r"].is_number_integer()) throw fail("r", "expected a positive integer");
    config.options.rank = j["r"].get<std::int64_t>();
    if (!j.contains("lora_alpha") || !j["lora_alpha"].is_number()) throw fail("lora_alpha", "expected a number");
    config.options.alpha = j["lora_alpha"].get<double>();
    if (!isNullOrAbsent("lora_dropout")) {
        if (!j["lora_dropout"].is_number()) throw fail("lora_dropout", "expected a number");
        config.options.dropout = j["lora_dropout"].get<double>();
    }
    config.options.rslora = optionalBool("use_rslora", false);
    checkOptions(config.options, path, "");

    if (!j.contains("target_modules") || j["target_modules"].is_null())
        throw fail("target_modules", "missing (expected a list of module names)");
    if (j["target_modules"].is_string())
        throw fail("target_modules", "a regular expression is not supported; list the module names");
    if (!j["target_modules"].is_array()) throw fail("target_modules", "expected a list of module names");
    for (const auto &t : j["target_modules"]) {
        if (!t.is_string() || t.get<std::string>().empty()) throw fail("target_modules", "expected non-empty strings");
        config.targetModules.push_back(t.get<std::string>());
    }
    if (!isNullOrAbsent("bias") && j["bias"] != "none")
        throw fail("bias", "only \"none\" is supported, got " + j["bias"].dump());
    config.fanInFanOut = optionalBool("fan_in_fan_out", false);
    if (optionalBool("use_dora", false)) throw fail("use_dora", "DoRA adapters are not supported");
    for (const char *field : {"modules_to_save", "rank_pattern", "alpha_pattern", "layers_to_transform"})
        if (!isEmptyOrAbsent(field)) throw fail(field, "not supported (got " + j[field].dump() + ")");
    if (!isNullOrAbsent("base_model_name_or_path")) {
        if (!j["base_model_name_or_path"].is_string()) throw fail("base_model_name_or_path", "expected a string");
        config.baseModel = j["base_model_name_or_path"].get<std::string>();
    }
    return config;
}

}  // namespace

std::vector<std::pair<std::string, AdaptableLinear>> adaptableModules(torch::nn::Module &root) {
    std::vector<std::pair<std::string, AdaptableLinear>> out;
    for (const auto &item : root.named_modules()) {
        if (auto impl = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value()))
            out.emplace_back(item.key(), AdaptableLinear(impl));
    }
    return out;
}

bool matchesTarget(const std::string &path, const std::string &target) {
    if (path == target) return true;
    return path.size() > target.size() && path.ends_with(target) && path[path.size() - target.size() - 1] == '.';
}

std::vector<std::string> enableLora(torch::nn::Module &root, const LoraConfig &config, const std::string &source) {
    checkOptions(config.options, source, "lora.");
    return enableSelected(root, selectTargets(root, config.targetModules, source, "lora.target_modules"),
                          config.options);
}

void saveLoraAdapter(const std::string &dir, torch::nn::Module &root, const LoraConfig &config,
                     const std::string &baseModelPath) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto &[path, module] : adaptableModules(root)) {
        if (!module->hasLora()) continue;
        if (!(*module->lora() == config.options))
            throw std::invalid_argument("saveLoraAdapter: " + path + " has adapter options other than the config's");
        tensors.emplace_back(keyA(path), module->loraA());
        tensors.emplace_back(keyB(path), module->loraB());
    }
    if (tensors.empty()) throw std::invalid_argument("saveLoraAdapter: the model has no LoRA adapter");

    std::vector<std::string> targets;
    for (const std::string &t : config.targetModules)
        if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    // The fields PEFT's LoraConfig has taken since use_rslora appeared (0.7), so that older
    // releases, which refuse unknown fields, read the file too.
    nlohmann::ordered_json json = {
        {"peft_type", "LORA"},
        {"task_type", "CAUSAL_LM"},
        {"r", config.options.rank},
        {"lora_alpha", alphaJson(config.options.alpha)},
        {"lora_dropout", config.options.dropout},
        {"target_modules", targets},
        {"use_rslora", config.options.rslora},
        {"bias", "none"},
        {"fan_in_fan_out", config.fanInFanOut},
        {"base_model_name_or_path", baseModelPath},
        {"inference_mode", true},
        {"init_lora_weights", true},
        {"modules_to_save", nullptr},
        {"revision", nullptr},
    };
    replaceFolder(dir, [&](const fs::path &folder) {
        // {"format": "pt"} is what PEFT's save_pretrained puts in the metadata.
        writeTorchSafetensors((folder / kAdapterWeightsFile).string(), tensors, std::nullopt, {{"format", "pt"}});
        common::AtomicFileWriter out((folder / kAdapterConfigFile).string());
        out.write(json.dump(2) + "\n");
        out.commit();
    });
}

LoraConfig loadLoraAdapter(const std::string &dir, torch::nn::Module &root) {
    fs::path folder(dir);
    std::string configPath = (folder / kAdapterConfigFile).string();
    std::string weightsPath = (folder / kAdapterWeightsFile).string();
    LoraConfig config = parseAdapterConfig(configPath);
    std::vector<std::pair<std::string, AdaptableLinear>> selected =
        selectTargets(root, config.targetModules, configPath, "target_modules");

    SafetensorsFile file = SafetensorsFile::open(weightsPath);
    std::map<std::string, torch::Tensor> loaded;
    const std::int64_t r = config.options.rank;
    for (const auto &[path, module] : selected) {
        const std::pair<std::string, std::vector<std::int64_t>> expected[] = {{keyA(path), {r, module->inFeatures()}},
                                                                              {keyB(path), {module->outFeatures(), r}}};
        for (const auto &[key, shape] : expected) {
            const TensorInfo *info = file.find(key);
            if (!info)
                throw common::InputError(weightsPath, 0,
                                         "tensor " + key + " is missing (target_modules selects " + path + ")");
            if (info->dtype != DType::F32 && info->dtype != DType::F64 && info->dtype != DType::BF16 &&
                info->dtype != DType::F16)
                throw common::InputError(
                    weightsPath, 0,
                    "tensor " + key + ": expected a float dtype, got " + std::string(dtypeName(info->dtype)));
            if (info->shape != shape)
                throw common::InputError(weightsPath, 0,
                                         "tensor " + key + ": shape " + shapeText(info->shape) + " does not fit " +
                                             path + " with r = " + std::to_string(r) + ", which needs " +
                                             shapeText(shape));
            loaded.emplace(key, tensorFromBytes(*info, file.bytes(*info)));
        }
    }
    for (const TensorInfo &info : file.tensors())
        if (!loaded.count(info.name))
            throw common::InputError(
                weightsPath, 0, "unexpected tensor " + info.name + " (no module selected by target_modules has it)");

    enableSelected(root, selected, config.options);
    torch::NoGradGuard noGrad;
    for (auto &[path, module] : selected) {
        module->loraA().copy_(loaded.at(keyA(path)));
        module->loraB().copy_(loaded.at(keyB(path)));
    }
    return config;
}

std::vector<std::string> mergeLoraAdapters(torch::nn::Module &root) {
    std::vector<std::string> merged;
    for (auto &[path, module] : adaptableModules(root)) {
        if (!module->hasLora()) continue;
        module->mergeLora();
        merged.push_back(path);
    }
    return merged;
}

}  // namespace inoculab::model
