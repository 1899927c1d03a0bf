#include "model/hf/registry.h"

#include "common/input_error.h"

namespace inoculab::model::hf {

const std::vector<HfArchitecture> &hfArchitectures() {
    static const std::vector<HfArchitecture> architectures{
        gpt2Architecture(),
        llamaArchitecture(),
        qwen2Architecture(),
        qwen3Architecture(),
    };
    return architectures;
}

const HfArchitecture &hfArchitecture(const std::string &family) {
    for (const HfArchitecture &a : hfArchitectures())
        if (a.family == family) return a;
    throw common::InputError("config.json", 0, "model_type: no model is built for \"" + family + "\"");
}

}  // namespace inoculab::model::hf
