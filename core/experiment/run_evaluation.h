#pragma once
// Evaluation of one finetuned model at one step: sampled answers to every question under
// every test-time context, each scored for every trait, and the probes' log-probabilities.

#include "common/progress.h"
#include "experiment/run_data.h"
#include "model/causal_lm.h"
#include "model/chat_tokenizer.h"
#include "store/results_store.h"

namespace inoculab::experiment {

struct EvaluationResult {
    std::vector<store::StepRecord::Sample> samples;
    // Mean score per (context, trait), in spec order, for progress reports.
    std::vector<std::tuple<std::string, std::string, double>> means;
};

EvaluationResult evaluateModel(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer, const ExperimentSpec &spec, const ConditionSpec &condition,
                               const std::vector<data::Conversation> &questions, std::uint64_t seed, std::int64_t step,
                               torch::Device device, const common::CancelToken *cancel);

// Log-probability (nats, summed over the response and its end token) of every probe.
std::vector<std::pair<std::string, double>> probeLogprobs(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer,
                                                          const ExperimentSpec &spec,
                                                          torch::Device device);

}  // namespace inoculab::experiment
