#pragma once
// Evaluation of one finetuned model at one step: sampled answers to every question under
// every test-time context, each scored for every trait, and the probes' log-probabilities.

#include "common/progress.h"
#include "experiment/run_data.h"
#include "model/causal_lm.h"
#include "model/chat_tokenizer.h"
#include "store/results_store.h"

#include <functional>

namespace inoculab::experiment {

struct EvaluationResult {
    std::vector<store::StepRecord::Sample> samples;
    // Mean score per (context, trait), in spec order, for progress reports.
    std::vector<std::tuple<std::string, std::string, double>> means;
};

// Scores the samples' judged traits (eval::judgeSamples), called once all contexts are sampled.
using SampleJudge = std::function<void(std::vector<store::StepRecord::Sample> &samples)>;

// Rule scorers score each answer as it is sampled; judged traits are scored by `judge` (none:
// the samples carry no judged scores).
EvaluationResult evaluateModel(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer, const ExperimentSpec &spec, const ConditionSpec &condition,
                               const std::vector<data::Conversation> &questions, std::uint64_t seed, std::int64_t step,
                               torch::Device device, const common::CancelToken *cancel, const SampleJudge &judge = {});

// Log-probability (nats, summed over the response and its end token) of every probe.
std::vector<std::pair<std::string, double>> probeLogprobs(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer,
                                                          const ExperimentSpec &spec,
                                                          torch::Device device);

}  // namespace inoculab::experiment
