#include "experiment/run_evaluation.h"

#include "eval/logprob.h"
#include "eval/sampler.h"
#include "eval/trait_scorers.h"

namespace inoculab::experiment {

EvaluationResult evaluateModel(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer, const ExperimentSpec &spec, const ConditionSpec &condition,
                               const std::vector<data::Conversation> &questions, std::uint64_t seed, std::int64_t step,
                               torch::Device device, const common::CancelToken *cancel, const SampleJudge &judge) {
    std::vector<eval::TraitScorerFn> scorers;  // judged traits are scored by `judge`, after sampling
    for (const TraitSpec &t : spec.traits)
        if (!t.judge) scorers.emplace_back(t);
    const EvaluationSpec &e = spec.evaluation;
    eval::SamplingSettings sampling;
    sampling.temperature = e.temperature;
    sampling.maxNewTokens = e.maxNewTokens;
    sampling.padId = tokenizer.padId();
    sampling.stopIds = tokenizer.stopIds();
    sampling.forbiddenId = tokenizer.forbiddenId();
    sampling.vocabLimit = tokenizer.vocabSize();
    EvaluationResult result;
    for (std::size_t c = 0; c < e.contexts.size(); ++c) {
        const ContextSpec &context = e.contexts[c];
        std::vector<std::vector<std::int32_t>> prompts;
        prompts.reserve(questions.size());
        for (const data::Conversation &q : questions)
            prompts.push_back(tokenizer.encodePrompt(questionInContext(q, context, condition)));
        // The sampling stream depends on the run seed, the step and the context, never on
        // which other contexts or questions were evaluated.
        sampling.seed = seed * 1000003ULL + static_cast<std::uint64_t>(step) * 7919ULL + c;
        std::vector<eval::SampledAnswer> answers =
            eval::sampleAnswers(model, prompts, e.samplesPerQuestion, sampling, device, cancel);
        for (std::size_t i = 0; i < answers.size(); ++i) {
            std::size_t q = i / static_cast<std::size_t>(e.samplesPerQuestion);
            store::StepRecord::Sample sample;
            sample.context = context.name;
            sample.questionIndex = static_cast<std::int64_t>(q);
            sample.question = questions[q].messages.back().content;
            sample.sampleIndex = static_cast<std::int64_t>(i % static_cast<std::size_t>(e.samplesPerQuestion));
            sample.response = tokenizer.decode(answers[i].tokens, /*skipSpecial=*/true);
            for (std::size_t t = 0; t < scorers.size(); ++t) {
                sample.traitScores.emplace_back(scorers[t].name(), scorers[t].score(sample.response));
            }
            result.samples.push_back(std::move(sample));
        }
    }
    if (judge) judge(result.samples);
    // Means over the answers that count: a judged trait's undefined and dropped answers have no score.
    for (const ContextSpec &context : e.contexts)
        for (const TraitSpec &t : spec.traits) {
            double sum = 0;
            std::size_t count = 0;
            for (const store::StepRecord::Sample &sample : result.samples) {
                if (sample.context != context.name) continue;
                for (const auto &[trait, score] : sample.traitScores)
                    if (trait == t.name) sum += score, ++count;
            }
            result.means.emplace_back(context.name, t.name, count ? sum / static_cast<double>(count) : 0.0);
        }
    return result;
}

std::vector<std::pair<std::string, double>> probeLogprobs(model::CausalLmImpl &model, const model::ChatTokenizer &tokenizer,
                                                          const ExperimentSpec &spec,
                                                          torch::Device device) {
    std::vector<std::pair<std::string, double>> out;
    if (spec.probes.empty()) return out;
    std::vector<data::Conversation> chats;
    for (const ProbeSpec &p : spec.probes) chats.push_back(probeConversation(p));
    std::vector<eval::AnswerLogprob> logprobs = eval::answerLogprobs(model, chats, device, 64, tokenizer);
    for (std::size_t i = 0; i < spec.probes.size(); ++i) out.emplace_back(spec.probes[i].name, logprobs[i].total);
    return out;
}

}  // namespace inoculab::experiment
