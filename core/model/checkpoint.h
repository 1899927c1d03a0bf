#pragma once
// Training checkpoints: a folder with model.safetensors (the trainable weights: all of the toy
// GPT, with its config in the metadata so the file is a model by itself; the adapters of a
// LoRA run; every weight of a full finetune of a Hugging Face model), optimizer.safetensors
// (AdamW moments) and trainer.json (step, data order, settings). The frozen weights are the
// base model's and are not copied. A folder is replaced whole or not at all.

#include "model/gpt.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace inoculab::model {

inline constexpr const char *kWeightsFile = "model.safetensors";
inline constexpr const char *kOptimizerFile = "optimizer.safetensors";
inline constexpr const char *kTrainerFile = "trainer.json";

// Weights alone, fp32, with {"format": "inoculab-gpt", "config": <GptConfig JSON>} metadata.
void saveWeights(const std::string &path, const Gpt &model);
// A model built from the file's config with its weights. Throws common::InputError naming
// the file and tensor when a tensor is missing, unexpected, or of the wrong shape or dtype.
Gpt loadWeights(const std::string &path);
// Copies the file's weights into `model`, which must have the same config.
void loadWeightsInto(const std::string &path, Gpt &model);

struct LoadedCheckpoint {
    nlohmann::json metadata;                       // trainer.json
    std::map<std::string, torch::Tensor> tensors;  // optimizer.safetensors (CPU)
};

void saveCheckpointFiles(const std::string &dir, const CausalLmImpl &model,
                         const std::vector<std::pair<std::string, torch::Tensor>> &optimizerTensors,
                         const nlohmann::json &metadata);
// Whether `dir` holds a checkpoint to resume from. Finishes a swap that a crash interrupted
// on a file system without atomic exchange (the previous checkpoint is then still in
// `dir`.old).
bool checkpointExists(const std::string &dir);
// `checkMetadata` sees trainer.json before any weight is copied into `model`, so a checkpoint
// it refuses (by throwing) leaves the model as it was.
LoadedCheckpoint loadCheckpointFiles(const std::string &dir, CausalLmImpl &model,
                                     const std::function<void(const nlohmann::json &)> &checkMetadata = {});

}  // namespace inoculab::model
