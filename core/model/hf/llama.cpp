// Llama 2 and 3 (grouped-query attention, Llama 3.1 RoPE scaling, optional attention/MLP biases).
// HfConfig resolves those differences; the shared decoder (common_blocks.h) builds the model.
#include "model/hf/llama_family.h"

namespace inoculab::model::hf {

HfArchitecture llamaArchitecture() { return decoderArchitecture("llama"); }

}  // namespace inoculab::model::hf
