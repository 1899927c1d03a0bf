#pragma once
// The spec's base model as the engine uses it: a CausalLm and the ChatTokenizer that feeds
// it. For the toy world, the cached pretrained byte-level GPT (pretrained first when
// missing); for a Hugging Face folder, its weights and tokenizer.json with the spec's chat
// template, and LoRA adapters when the spec trains with LoRA.

#include "common/progress.h"
#include "experiment/base_model_identity.h"
#include "experiment/job_events.h"
#include "experiment/run_data.h"
#include "model/causal_lm.h"
#include "model/chat_tokenizer.h"
#include "model/lora_adapters.h"

#include <memory>
#include <string>

namespace inoculab::experiment {

struct LoadedModel {
    model::CausalLm model;
    std::shared_ptr<const model::ChatTokenizer> tokenizer;
    BaseModelIdentity identity;  // the weight files it was loaded from
};

enum class ModelUse { Finetune, Score };

// `Finetune` adds the spec's LoRA adapters (method lora) and enables what the spec asks for
// training (gradient checkpointing); `Score` loads the base as it is. On `device`.
LoadedModel loadBaseModel(const RunInputs &in, const std::string &cache, torch::Device device, ModelUse use,
                          const EventSink &events, const common::CancelToken *cancel);

// The Hugging Face part of loadBaseModel (hf_base_model.cpp).
LoadedModel loadHfBaseModel(const RunInputs &in, torch::Device device, ModelUse use);
// The adapters the spec's training asks for (method lora) on a model of `family`.
model::LoraConfig loraConfigFor(const TrainingSpec &training, const std::string &family);

}  // namespace inoculab::experiment
