#pragma once
// The Hugging Face architectures the engine builds, by family name ("gpt2", "llama", ...).
// Each architecture file (gpt2.cpp, llama.cpp, ...) defines one HfArchitecture; adding an
// architecture is one such file plus one line in registry.cpp.

#include "model/causal_lm.h"
#include "model/hf/hf_config.h"

#include <functional>
#include <string>
#include <vector>

namespace inoculab::model::hf {

struct HfArchitecture {
    std::string family;
    // The model with torch's default initialisation, in torch's default dtype; callers
    // either overwrite every weight or re-initialise (buildHfModel).
    std::function<CausalLm(const HfConfig &)> build;
    // The model's embedding parameter, which a tied lm_head.weight on disk must equal.
    std::string embeddingParameter;
    // A tensor name on disk -> the model's parameter name; "" for a known harmless extra
    // (buffers old files saved, such as rotary_emb.inv_freq) that is skipped.
    std::function<std::string(const std::string &diskName)> parameterName;
    // The model's parameter name -> the name an export writes.
    std::function<std::string(const std::string &parameter)> diskName;
    // Disk layout -> the model's layout and back (GPT-2's Conv1D weights are [in, out]).
    std::function<torch::Tensor(const std::string &parameter, const torch::Tensor &)> fromDisk, toDisk;
};

const std::vector<HfArchitecture> &hfArchitectures();
// Throws InputError when no architecture has that family name.
const HfArchitecture &hfArchitecture(const std::string &family);

// The architectures, one per file.
HfArchitecture gpt2Architecture();
HfArchitecture llamaArchitecture();
HfArchitecture qwen2Architecture();
HfArchitecture qwen3Architecture();

}  // namespace inoculab::model::hf
