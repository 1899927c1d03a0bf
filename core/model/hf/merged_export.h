#pragma once
// A finetuned Hugging Face model written back as a Hugging Face folder: the weights with any
// LoRA adapters merged in (W + scale * B A), under their on-disk names and layouts, in one
// model.safetensors, beside copies of the base folder's config, tokenizer and generation
// files. transformers' from_pretrained (and this engine) load the result like any model.

#include "model/causal_lm.h"

#include <string>

namespace inoculab::model::hf {

// `dtype`: F32, F16 or BF16 on disk. Writes `outDir` whole or not at all; refuses an
// existing non-empty folder (never overwrites a model). Throws common::InputError naming
// the folder.
void exportMergedModel(const CausalLmImpl &model, const std::string &baseFolder, const std::string &outDir,
                       torch::Dtype dtype = torch::kFloat32);

}  // namespace inoculab::model::hf
