#include "experiment/loaded_model.h"

#include "common/input_error.h"
#include "experiment/memory_plan.h"
#include "experiment/spec_tokenizer.h"
#include "model/hf/hf_model.h"
#include "model/lora_adapters.h"

#include <filesystem>

namespace inoculab::experiment {

model::LoraConfig loraConfigFor(const TrainingSpec &training, const std::string &family) {
    model::LoraConfig config;
    config.options.rank = training.lora->rank;
    config.options.alpha = training.lora->alpha;
    config.options.rslora = training.lora->rslora;
    config.options.dropout = training.lora->dropout;
    config.targetModules = training.lora->targetModules.empty() ? defaultLoraTargets(family) : training.lora->targetModules;
    config.fanInFanOut = family == "gpt2";
    return config;
}

LoadedModel loadHfBaseModel(const RunInputs &in, torch::Device device, ModelUse use) {
    const std::string dir = resolvePath(in.specFile, in.spec.baseModel.path);
    const TrainingSpec &training = in.spec.training;
    const bool lora = use == ModelUse::Finetune && training.method == TrainingMethod::Lora;
    // On a GPU a frozen base is held in bf16 (half the memory; the adapters stay fp32). Weights
    // that train stay fp32 masters, and autocast runs the matrix products in bf16.
    const bool frozenBase = use == ModelUse::Score || lora;
    const torch::Dtype dtype = device.is_cuda() && frozenBase ? torch::kBFloat16 : torch::kFloat32;

    std::shared_ptr<const model::ChatTokenizer> tokenizer = chatTokenizerFor(in.spec.baseModel, in.specFile);
    model::hf::HfModelFolder folder = model::hf::HfModelFolder::open(dir);
    model::CausalLm lm = model::hf::loadHfModel(folder, dtype);
    auto &hf = dynamic_cast<model::hf::HfCausalLmImpl &>(*lm);
    // Every id the tokenizer can produce needs a row of the embedding.
    if (tokenizer->vocabSize() > lm->vocabSize())
        throw common::InputError(dir + "/tokenizer.json", 0,
                                 "the tokenizer has " + std::to_string(tokenizer->vocabSize()) +
                                     " ids, more than the model's vocab_size of " + std::to_string(lm->vocabSize()));
    if (use == ModelUse::Finetune) {
        if (lora) model::enableLora(*lm, loraConfigFor(training, hf.config().family), in.specFile);
        hf.setGradientCheckpointing(training.gradientCheckpointing);
    } else {
        for (auto &p : lm->parameters()) p.set_requires_grad(false);
    }
    lm->to(device);
    BaseModelIdentity identity{std::filesystem::absolute(folder.path()).string(), {(std::filesystem::path(folder.path()) / "config.json").string()}};
    for (const std::string &file : folder.weightFiles()) identity.files.push_back(file);
    return {lm, tokenizer, std::move(identity)};
}

}  // namespace inoculab::experiment
