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

    // Recorded only: recomputing activations in the backward pass needs
    // model/activation_checkpoint.h, which the decoder layers do not use yet.
    void setGradientCheckpointing(bool on) { m_gradientCheckpointing = on; }
    bool gradientCheckpointing() const { return m_gradientCheckpointing; }

protected:
    HfConfig m_config;
    bool m_gradientCheckpointing = false;
};

}  // namespace inoculab::model::hf
