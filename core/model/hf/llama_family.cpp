#include "model/hf/llama_family.h"

#include "model/hf/common_blocks.h"

namespace inoculab::model::hf {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

HfArchitecture decoderArchitecture(const std::string &family) {
    HfArchitecture a;
    a.family = family;
    a.build = [](const HfConfig &config) -> CausalLm { return std::make_shared<DecoderLmImpl>(config); };
    a.embeddingParameter = "model.embed_tokens.weight";
    // Llama 2 era files saved the rotary inverse frequencies; they are recomputed here.
    a.parameterName = [](const std::string &name) {
        return endsWith(name, "rotary_emb.inv_freq") ? std::string() : name;
    };
    a.diskName = [](const std::string &name) { return name; };
    a.fromDisk = a.toDisk = [](const std::string &, const torch::Tensor &t) { return t; };
    return a;
}

}  // namespace inoculab::model::hf
