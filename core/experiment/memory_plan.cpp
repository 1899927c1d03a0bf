#include "experiment/memory_plan.h"

#include "experiment/run_data.h"
#include "model/hf/hf_folder.h"

#include <algorithm>

namespace inoculab::experiment {

train::TransformerShape transformerShapeOf(const model::hf::HfConfig &c, std::int64_t parameters) {
    train::TransformerShape s;
    s.parameters = parameters;
    s.layers = c.layers;
    s.hidden = c.hiddenSize;
    s.intermediate = c.intermediateSize;
    s.heads = c.heads;
    s.kvHeads = c.kvHeads;
    s.headDim = c.headDim;
    s.vocab = c.vocabSize;
    s.gatedMlp = c.family != "gpt2";
    return s;
}

train::TransformerShape transformerShapeOf(const model::GptConfig &c) {
    train::TransformerShape s;
    s.parameters = c.parameterCount();
    s.layers = c.layers;
    s.hidden = c.dModel;
    s.intermediate = 4 * c.dModel;
    s.heads = c.heads;
    s.kvHeads = c.heads;
    s.headDim = c.headDim();
    s.vocab = c.vocabSize;
    s.gatedMlp = false;
    return s;
}

std::vector<std::string> defaultLoraTargets(const std::string &family) {
    if (family == "gpt2") return {"c_attn", "c_proj", "c_fc"};
    return {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
}

std::int64_t loraTrainableParameters(const model::hf::HfModelFolder &folder, const std::vector<std::string> &targets,
                                     std::int64_t rank) {
    std::int64_t total = 0;
    const std::string suffix = ".weight";
    for (const std::string &name : folder.tensorNames()) {
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string module = name.substr(0, name.size() - suffix.size());
        const std::string last = module.substr(module.rfind('.') + 1);  // npos + 1 == 0: the whole name
        if (std::find(targets.begin(), targets.end(), last) == targets.end()) continue;
        const std::vector<std::int64_t> &shape = folder.find(name).info->shape;
        if (shape.size() == 2) total += rank * (shape[0] + shape[1]);
    }
    return total;
}

train::MemorySettings memorySettingsFor(const TrainingSpec &training, std::int64_t trainable, std::int64_t length,
                                        bool fusedAttention) {
    train::MemorySettings m;
    m.trainable = trainable;
    m.frozenBase = training.method == TrainingMethod::Lora;
    m.rowsPerForward = training.rowsPerForward.value_or(training.batchSize);
    m.length = length;
    m.gradientCheckpointing = training.gradientCheckpointing;
    m.fusedAttention = fusedAttention;
    return m;
}

SpecMemoryPlan memoryPlanFor(const ExperimentSpec &spec, const std::string &specFile) {
    SpecMemoryPlan plan;
    const TrainingSpec &t = spec.training;
    std::int64_t trainable = 0;
    if (spec.baseModel.kind == BaseModelKind::Toy) {
        model::GptConfig config = toyModelConfig(spec.baseModel.toy);
        plan.shape = transformerShapeOf(config);
        trainable = plan.shape.parameters;
    } else {
        model::hf::HfModelFolder folder = model::hf::HfModelFolder::open(resolvePath(specFile, spec.baseModel.path));
        const model::hf::HfConfig &config = folder.requireConfig();
        plan.shape = transformerShapeOf(config, static_cast<std::int64_t>(folder.parameterCount()));
        trainable = t.method == TrainingMethod::Lora
                        ? loraTrainableParameters(folder,
                                                  t.lora->targetModules.empty() ? defaultLoraTargets(config.family)
                                                                                : t.lora->targetModules,
                                                  t.lora->rank)
                        : plan.shape.parameters;
    }
    plan.settings = memorySettingsFor(t, trainable, t.maxLength, /*fusedAttention=*/true);
    plan.estimate = train::estimateTrainingMemory(plan.shape, plan.settings);
    return plan;
}

}  // namespace inoculab::experiment
