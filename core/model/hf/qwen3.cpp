// Qwen3: Llama's layout plus per-head RMSNorm of q and k, and an explicit head_dim.
// HfConfig resolves those differences; the shared decoder (common_blocks.h) builds the model.
#include "model/hf/llama_family.h"

namespace inoculab::model::hf {

HfArchitecture qwen3Architecture() { return decoderArchitecture("qwen3"); }

}  // namespace inoculab::model::hf
