#pragma once
// The HfArchitecture of a decoder that DecoderLm implements (Llama, Qwen2, Qwen3): they
// differ only in config fields, which HfConfig already resolved, so each architecture file
// just names its family.

#include "model/hf/registry.h"

namespace inoculab::model::hf {

HfArchitecture decoderArchitecture(const std::string &family);

}  // namespace inoculab::model::hf
