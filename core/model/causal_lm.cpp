#include "model/causal_lm.h"

namespace inoculab::model {

std::int64_t CausalLmImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto &p : parameters()) n += p.numel();
    return n;
}

std::vector<std::pair<std::string, torch::Tensor>> CausalLmImpl::trainableWeights() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto &p : named_parameters())
        if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
    return out;
}

}  // namespace inoculab::model
