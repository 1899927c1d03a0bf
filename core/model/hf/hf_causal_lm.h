#pragma once
// HfCausalLmImpl: what every Hugging Face architecture adds to CausalLmImpl: the config it
// was built from (so that exports and adapters know the architecture) and the switch for
// gradient checkpointing.

#include "model/causal_lm.h"
#include "model/hf/hf_config.h"

namespace inoculab::model::hf {

class HfCausalLmImpl : public CausalLmImpl {
public:
    explicit HfCausalLmImpl(HfConfig config) : m_config(std::move(config)) {}

    const HfConfig &config() const { return m_config; }
    std::int64_t vocabSize() const override { return m_config.vocabSize; }
    std::int64_t contextLength() const override { return m_config.maxPositions; }

    // Recompute each block's activations in the backward pass instead of keeping them
    // (model/activation_checkpoint.h): memory for one block's activations instead of all of
    // them, for one more forward of each block. Applies to forward(), not to the cache path.
    void setGradientCheckpointing(bool on) { m_gradientCheckpointing = on; }
    bool gradientCheckpointing() const { return m_gradientCheckpointing; }

protected:
    HfConfig m_config;
    bool m_gradientCheckpointing = false;
};

}  // namespace inoculab::model::hf
