#pragma once
// LoRA over a whole model: switch adapters on by module name, save and load them in the
// layout of Hugging Face PEFT (adapter_model.safetensors + adapter_config.json, readable by
// `PeftModel.from_pretrained`), and merge them into the base weights for export.
//
// Module paths are the dotted names of root.named_modules(), which the Hugging Face
// architectures make equal to the state-dict names ("model.layers.0.self_attn.q_proj"), so
// PEFT's tensor names are "base_model.model." + path + ".lora_A.weight" / ".lora_B.weight".

#include "model/adaptable_linear.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace inoculab::model {

inline constexpr const char *kAdapterWeightsFile = "adapter_model.safetensors";
inline constexpr const char *kAdapterConfigFile = "adapter_config.json";

struct LoraConfig {
    LoraOptions options;
    // PEFT semantics: a module matches when its full dotted path equals a target or ends with
    // "." + target, e.g. "q_proj". Only AdaptableLinear modules are adapted.
    std::vector<std::string> targetModules;
    // PEFT's fan_in_fan_out: true for GPT-2, whose Conv1D projections (c_attn, c_proj, c_fc)
    // store W as [in, out]. Our modules hold [out, in] whatever the checkpoint did, so it
    // changes no tensor here; it is written so that PEFT merges the adapter correctly.
    bool fanInFanOut = false;
    // base_model_name_or_path as loadLoraAdapter read it; saveLoraAdapter takes its own.
    std::string baseModel;
};

// Every module of `root` that is an AdaptableLinear, with its path, in named_modules() order.
std::vector<std::pair<std::string, AdaptableLinear>> adaptableModules(torch::nn::Module &root);
// Whether `path` matches `target` by PEFT's rule above.
bool matchesTarget(const std::string &path, const std::string &target);

// Adds an adapter to every AdaptableLinear whose path matches a target and freezes every other
// parameter of root (embeddings, norms, other projections), so that exactly the adapters
// train. Returns the adapted paths. Throws common::InputError naming `source` (where the
// config came from, may be empty) and the field ("lora.target_modules", "lora.r", ...) when a
// target matches no projection (listing the projection names there are), when an option is
// out of range, or when a matched module already has an adapter; root is then unchanged.
std::vector<std::string> enableLora(torch::nn::Module &root, const LoraConfig &config, const std::string &source = {});

// Writes `dir`/adapter_model.safetensors (the adapters in their dtype, fp32 normally) and
// `dir`/adapter_config.json, replacing `dir` whole or not at all. Throws std::invalid_argument
// when root has no adapter or one whose options differ from config.options (PEFT's config
// has one rank and alpha for all).
void saveLoraAdapter(const std::string &dir, torch::nn::Module &root, const LoraConfig &config,
                     const std::string &baseModelPath);

// Reads a PEFT LoRA adapter folder into `root` (which must have no adapter yet): validates
// the config's fields and every tensor (each expected key present, none unexpected, a float
// dtype, shapes [r, in] and [out, r] of the module) before anything changes, then enables the
// adapters (freezing the rest, as enableLora) and copies the weights. Throws
// common::InputError naming the file and the field or tensor at fault.
LoraConfig loadLoraAdapter(const std::string &dir, torch::nn::Module &root);

// Folds every adapter of root into its base weight (AdaptableLinear::mergeLora): the model
// then computes the same function with plain weights, ready to export. Returns the merged
// paths.
std::vector<std::string> mergeLoraAdapters(torch::nn::Module &root);

}  // namespace inoculab::model
