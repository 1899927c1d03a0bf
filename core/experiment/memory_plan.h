#pragma once
// The GPU memory a spec's finetuning needs (train/memory_estimate.h), from what the spec and
// its base model say: the architecture's shape, which weights train (all, or LoRA adapters on
// the target modules), how long rows are. Used by the worker before a run starts on a GPU and
// by `experiment validate`, which estimates without the engine. No torch here.

#include "experiment/experiment_spec.h"
#include "model/gpt_config.h"
#include "model/hf/hf_config.h"
#include "train/memory_estimate.h"

#include <string>
#include <vector>

namespace inoculab::model::hf {
class HfModelFolder;
}

namespace inoculab::experiment {

train::TransformerShape transformerShapeOf(const model::hf::HfConfig &config, std::int64_t parameters);
train::TransformerShape transformerShapeOf(const model::GptConfig &config);

// PEFT's usual choice when a spec names no LoRA targets: every attention and MLP projection.
std::vector<std::string> defaultLoraTargets(const std::string &family);

// The adapters' weights: rank x (in + out) for every 2-D weight of a module whose last name
// component is a target (PEFT's matching), read off the folder's tensor shapes.
std::int64_t loraTrainableParameters(const model::hf::HfModelFolder &folder, const std::vector<std::string> &targets,
                                     std::int64_t rank);

// The estimate's settings for the spec's training: what trains, the base's precision, rows of
// `length` tokens, checkpointing; `fusedAttention` as the libtorch in use gives it.
train::MemorySettings memorySettingsFor(const TrainingSpec &training, std::int64_t trainable, std::int64_t length,
                                        bool fusedAttention);

// For `experiment validate`: the hf base model's shape, trainable weights and the estimate
// at max_length with the spec's rows per forward (or the whole batch), assuming libtorch 2.x's
// fused attention. Throws InputError naming the folder when it cannot be read.
struct SpecMemoryPlan {
    train::TransformerShape shape;
    train::MemorySettings settings;
    train::MemoryEstimate estimate;
};
SpecMemoryPlan memoryPlanFor(const ExperimentSpec &spec, const std::string &specFile);

}  // namespace inoculab::experiment
