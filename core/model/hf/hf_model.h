#pragma once
// Hugging Face models as CausalLm: built from a config (random weights, as transformers
// initialises them) or loaded from a model folder, and turned back into the state dict a
// Hugging Face folder holds (names and layouts as on disk), for merged exports.

#include "model/causal_lm.h"
#include "model/hf/hf_causal_lm.h"
#include "model/hf/hf_config.h"
#include "model/hf/hf_folder.h"

#include <string>
#include <utility>
#include <vector>

namespace inoculab::model::hf {

// Random weights: linear and embedding weights N(0, 0.02), biases 0, norms 1. fp32, CPU.
CausalLm buildHfModel(const HfConfig &config);

// Builds the folder's architecture and copies every tensor into it, converted to `dtype`
// (F32, F16 or BF16 on disk). Throws InputError naming the folder and the tensors at fault:
// missing ones, unexpected ones (known harmless extras such as rotary_emb.inv_freq are
// skipped; a tied lm_head.weight must equal the embedding), shape mismatches (both shapes),
// and non-float dtypes.
CausalLm loadHfModel(const HfModelFolder &folder, torch::Dtype dtype = torch::kFloat32);

// The weights under their Hugging Face names and disk layouts (GPT-2's Conv1D weights
// transposed back to [in, out]), with LoRA adapters merged in (W + scale * B A) without
// changing the model. Throws std::invalid_argument for a model that is not a Hugging Face one.
std::vector<std::pair<std::string, torch::Tensor>> hfStateDict(const CausalLmImpl &model);

}  // namespace inoculab::model::hf
