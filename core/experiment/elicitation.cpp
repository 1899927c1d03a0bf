#include "experiment/elicitation.h"

#include "common/input_error.h"
#include "eval/judges/hf_judge.h"
#include "eval/judges/judged_traits.h"
#include "eval/logprob.h"
#include "experiment/loaded_model.h"
#include "experiment/run_data.h"
#include "experiment/run_evaluation.h"
#include "model/device.h"
#include "store/elicitation_checks.h"

#include <cmath>
#include <filesystem>

namespace inoculab::experiment {

namespace {

data::Conversation withPrompt(data::Conversation row, std::size_t index, const std::string &prompt) {
    data::InoculationOptions options;
    options.prompt = prompt;
    // As a system prompt (the paper's placement); rows that already have one keep it after ours.
    options.onExistingSystem = data::OnExistingSystem::Prepend;
    data::inoculate(row, index, options);
    return row;
}

bool fits(const data::Conversation &row, const model::ChatTokenizer &tokenizer, std::int64_t context) {
    return static_cast<std::int64_t>(tokenizer.encode(row).ids.size()) <= context;
}

std::vector<eval::AnswerLogprob> rowLogprobs(const LoadedModel &base, const std::vector<data::Conversation> &rows,
                                             torch::Device device) {
    return eval::answerLogprobs(*base.model, rows, device, 64, *base.tokenizer);
}

// Mean loss per scored token over all rows (token-weighted, as the training loss is).
double meanLoss(const std::vector<eval::AnswerLogprob> &rows) {
    double total = 0;
    std::int64_t tokens = 0;
    for (const eval::AnswerLogprob &a : rows) total += a.total, tokens += a.tokens;
    return tokens ? -total / static_cast<double>(tokens) : 0.0;
}

nlohmann::json intervalJson(const stats::Interval &i) {
    auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    return {{"mean", number(i.mean)}, {"low", number(i.low)}, {"high", number(i.high)}, {"n", i.n}};
}

// The job's results store, else one in the cache folder: it caches the judges' verdicts and
// keeps the checks.
store::ResultsStore openElicitationStore(const WorkerJob &job) {
    const std::string path = job.store.empty() ? job.cache + "/elicitation-verdicts.sqlite" : job.store;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    return store::ResultsStore::open(path);
}

// The checks in the store, under the spec's experiment, with the base model they were made on.
void keepChecks(const WorkerJob &job, const RunInputs &in, const LoadedModel &base,
                const std::vector<ElicitationResult> &results) {
    store::ResultsStore store = openElicitationStore(job);
    const std::int64_t experimentId = store.registerExperiment(registrationFor(in.spec));
    const std::string sha256 = contentHash(base.identity, job.cache + "/digests");
    for (const ElicitationResult &r : results) {
        store::ElicitationCheck check;
        check.prompt = r.prompt;
        check.rows = r.rows;
        check.tokens = r.tokens;
        check.lossWithout = r.lossWithout;
        check.lossWith = r.lossWith;
        check.meanChange = r.perRow.meanChange;
        check.sharePositive = r.perRow.sharePositive;
        check.spread = r.perRow.spread;
        nlohmann::json traits = nlohmann::json::array();
        for (const TraitElicitation &t : r.traits) traits.push_back(traitElicitationJson(t));
        check.traitsJson = traits.dump();
        check.baseModel = base.identity.description;
        check.baseModelSha256 = sha256;
        store::writeElicitationCheck(store, experimentId, check);
    }
}

// The traits' side of the check: the base model's answers to the evaluation questions in one
// arm (no prompt, or one candidate as the system prompt), scored like a finetuned model's.
class TraitArms {
public:
    TraitArms(const WorkerJob &job, const RunInputs &in, LoadedModel &base, torch::Device device,
              const EventSink &events, const common::CancelToken *cancel)
        : m_job(job), m_in(in), m_base(base), m_device(device), m_events(events), m_cancel(cancel) {
        m_questions = evaluationQuestions(in);
        if (job.questions && job.questions < m_questions.size()) m_questions.resize(job.questions);
        if (hasJudgedTraits(in.spec)) {
            // Verdicts are cached in a results store like an evaluation's: the job's, else one
            // in the cache folder, so a second check asks the judge nothing new.
            m_store.emplace(openElicitationStore(job));
            m_judges = eval::engineJudgeFactory(device);
        }
    }

    std::size_t questions() const { return m_questions.size(); }

    std::vector<store::StepRecord::Sample> answers(const std::string &armName, std::optional<std::string> prompt) {
        ExperimentSpec arm = m_in.spec;
        arm.evaluation.contexts = {{armName, std::move(prompt)}};
        SampleJudge judge;
        if (m_store)
            judge = [&](std::vector<store::StepRecord::Sample> &samples) {
                for (const eval::JudgedTraitStats &s : eval::judgeSamples(arm, m_in.specFile, samples, *m_store,
                                                                            m_judges, {m_job.rejudge, m_cancel})) {
                    if (!m_events) continue;
                    nlohmann::json event = eval::toJson(s);
                    event["event"] = "judge";
                    event["kind"] = "elicit";
                    event["context"] = armName;
                    m_events(event);
                }
            };
        // Every arm samples with the same seed: the arms differ by their prompt alone.
        return evaluateModel(*m_base.model, *m_base.tokenizer, arm, ConditionSpec{}, m_questions, /*seed=*/0,
                             /*step=*/0, m_device, m_cancel, judge)
            .samples;
    }

private:
    const WorkerJob &m_job;
    const RunInputs &m_in;
    LoadedModel &m_base;
    torch::Device m_device;
    const EventSink &m_events;
    const common::CancelToken *m_cancel;
    std::vector<data::Conversation> m_questions;
    std::optional<store::ResultsStore> m_store;
    eval::JudgeBackendFactory m_judges;
};

}  // namespace

nlohmann::json rowHeuristicsJson(const RowHeuristics &h) {
    return {{"mean_change", intervalJson(h.meanChange)},
            {"share_positive", intervalJson(h.sharePositive)},
            {"spread", intervalJson(h.spread)}};
}

nlohmann::json traitElicitationJson(const TraitElicitation &e) {
    return {{"trait", e.trait},
            {"without", intervalJson(e.without)},
            {"with", intervalJson(e.with)},
            {"elicitation", intervalJson(e.elicitation)},
            {"answers_without", e.answersWithout},
            {"answers_with", e.answersWith},
            {"unscored_without", e.unscoredWithout},
            {"unscored_with", e.unscoredWith}};
}

std::vector<ElicitationResult> runElicitationJob(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                                                 const common::CancelToken *cancel) {
    model::DeviceChoice choice = model::chooseDevice(job.device);
    torch::Device device = choice.cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    LoadedModel base = loadBaseModel(in, job.cache, device, ModelUse::Score, events, cancel);
    base.model->eval();
    const std::int64_t context = base.model->contextLength();

    // The first rows whose every version (plain and with each prompt) fits the context, so
    // each prompt is scored on exactly the same answer tokens.
    std::vector<data::Conversation> all = baseTrainingRows(in), plain;
    std::vector<std::vector<data::Conversation>> prompted(job.prompts.size());
    std::size_t skipped = 0;
    for (std::size_t i = 0; i < all.size() && plain.size() < job.rows; ++i) {
        bool ok = fits(all[i], *base.tokenizer, context);
        std::vector<data::Conversation> versions;
        for (const std::string &prompt : job.prompts) {
            versions.push_back(withPrompt(all[i], i, prompt));
            ok = ok && fits(versions.back(), *base.tokenizer, context);
        }
        if (!ok) {
            ++skipped;
            continue;
        }
        plain.push_back(all[i]);
        for (std::size_t p = 0; p < versions.size(); ++p) prompted[p].push_back(std::move(versions[p]));
    }
    if (plain.empty())
        throw common::InputError(job.spec, 0,
                                 "train_data: no training row fits the base model's context of " +
                                     std::to_string(context) + " tokens with every prompt");
    if (events)
        events({{"event", "start"},
                {"kind", "elicit"},
                {"prompts", job.prompts.size()},
                {"rows", plain.size()},
                {"skipped_rows", skipped},
                {"device", choice.name}});

    torch::NoGradGuard noGrad;
    const std::vector<eval::AnswerLogprob> without = rowLogprobs(base, plain, device);
    std::int64_t tokens = 0;  // the same answer tokens under every prompt
    for (const eval::AnswerLogprob &a : without) tokens += a.tokens;
    std::vector<ElicitationResult> results;
    for (std::size_t p = 0; p < job.prompts.size(); ++p) {
        if (cancel && cancel->isCancelled()) throw common::Cancelled();
        const std::vector<eval::AnswerLogprob> with = rowLogprobs(base, prompted[p], device);
        std::vector<RowLogprob> rows;
        for (std::size_t i = 0; i < plain.size(); ++i) rows.push_back({without[i].total, with[i].total, without[i].tokens});
        ElicitationResult r;
        r.prompt = job.prompts[p];
        r.lossWithout = meanLoss(without);
        r.lossWith = meanLoss(with);
        r.tokens = tokens;
        r.rows = static_cast<std::int64_t>(plain.size());
        r.perRow = rowHeuristics(rows);
        if (events)
            events({{"event", "elicitation"},
                    {"index", p},
                    {"prompt", r.prompt},
                    {"loss_without", r.lossWithout},
                    {"loss_with", r.lossWith},
                    {"drop", r.drop()},
                    {"tokens", r.tokens},
                    {"rows", r.rows},
                    {"per_row", rowHeuristicsJson(r.perRow)}});
        results.push_back(std::move(r));
    }
    if (!job.traits) {
        keepChecks(job, in, base, results);
        return results;
    }

    TraitArms arms(job, in, base, device, events, cancel);
    if (events)
        events({{"event", "start"}, {"kind", "elicit_traits"}, {"questions", arms.questions()},
                {"samples_per_question", in.spec.evaluation.samplesPerQuestion}, {"arms", job.prompts.size() + 1}});
    const std::vector<store::StepRecord::Sample> plainAnswers = arms.answers("no-prompt", std::nullopt);
    for (std::size_t p = 0; p < job.prompts.size(); ++p) {
        const std::vector<store::StepRecord::Sample> promptedAnswers =
            arms.answers("prompt-" + std::to_string(p + 1), job.prompts[p]);
        nlohmann::json traits = nlohmann::json::array();
        for (const TraitSpec &t : in.spec.traits) {
            results[p].traits.push_back(traitElicitation(t.name, plainAnswers, promptedAnswers));
            traits.push_back(traitElicitationJson(results[p].traits.back()));
        }
        if (events)
            events({{"event", "elicitation_traits"}, {"index", p}, {"prompt", job.prompts[p]}, {"traits", traits}});
    }
    keepChecks(job, in, base, results);
    return results;
}

}  // namespace inoculab::experiment
