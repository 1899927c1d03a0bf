#pragma once
// The data of an experiment's runs, built the same way by every process that needs it: the
// pretraining mixture of a toy base model, a condition's training rows (the spec's data with
// the condition's inoculation), the evaluation questions, and a question as asked under a
// test-time context.

#include "data/conversation.h"
#include "experiment/experiment_spec.h"
#include "experiment/toyworld/toyworld.h"
#include "model/gpt_config.h"

#include <optional>
#include <string>
#include <vector>

namespace inoculab::experiment {

// Everything a run reads besides the spec: where the spec file is (relative paths) and the
// toy world (generators).
struct RunInputs {
    ExperimentSpec spec;
    std::string specFile;
    std::optional<ToyWorld> world;  // loaded when a generator or the toy base model needs it

    static RunInputs load(const std::string &specFile, const std::string &toyWorldDir = {});
};

// The inputs of the runs on one base model of a spec that names several: the spec with that
// pretraining seed alone, so the base model (and its cache key, baseModelKey) is the one a spec
// naming only that seed would have. nullopt: the spec's own (one base model).
RunInputs withBaseSeed(const RunInputs &in, std::optional<std::uint64_t> baseSeed);

// The toy base model's pretraining rows: steps x batch rows of the style mixture.
std::vector<data::Conversation> pretrainingRows(const RunInputs &in);
// Identifies a pretrained toy base model: its spec and the toy world files it was trained on.
std::string baseModelKey(const RunInputs &in);

// The toy base model's architecture as the spec gives it.
model::GptConfig toyModelConfig(const ToyModelSpec &toy);

// The spec's training rows before any inoculation. JSONL rows that fail to parse are an
// InputError naming the file and line.
std::vector<data::Conversation> baseTrainingRows(const RunInputs &in);
// The rows a condition trains on. Throws InputError when its inoculation refuses a row.
std::vector<data::Conversation> conditionRows(const std::vector<data::Conversation> &rows,
                                              const ConditionSpec &condition);
// Evaluation questions: conversations whose last message is the user turn to answer.
std::vector<data::Conversation> evaluationQuestions(const RunInputs &in);
// The question as the model sees it under a context: no system prompt, the context's system
// prompt, or (for "$condition") the condition's own inoculation applied as in training.
data::Conversation questionInContext(const data::Conversation &question, const ContextSpec &context,
                                     const ConditionSpec &condition);
// Probe conversations (system prompt, user, response).
data::Conversation probeConversation(const ProbeSpec &probe);

const ConditionSpec &findCondition(const ExperimentSpec &spec, const std::string &name);

}  // namespace inoculab::experiment
