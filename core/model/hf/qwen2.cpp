// Qwen2 and Qwen2.5: Llama's layout plus q/k/v biases (always) and no o_proj bias.
// HfConfig resolves those differences; the shared decoder (common_blocks.h) builds the model.
#include "model/hf/llama_family.h"

namespace inoculab::model::hf {

HfArchitecture qwen2Architecture() { return decoderArchitecture("qwen2"); }

}  // namespace inoculab::model::hf
