#include "experiment/time_estimate.h"

#include "common/input_error.h"
#include "experiment/finetune_run.h"
#include "experiment/gpu_memory.h"
#include "experiment/loaded_model.h"
#include "experiment/run_evaluation.h"
#include "model/gpt.h"
#include "train/trainer.h"

#include <chrono>
#include <filesystem>

namespace inoculab::experiment {

namespace {

// The first step allocates buffers and warms caches; the next ones are what a run repeats.
constexpr std::int64_t kWarmupSteps = 1;
constexpr std::int64_t kTimedSteps = 3;
// Enough questions for a steady per-question time; each context and sample of each is timed.
constexpr std::size_t kTimedQuestions = 8;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void throwIfCancelled(const common::CancelToken *cancel) {
    if (cancel && cancel->isCancelled()) throw common::Cancelled();
}

// Seconds per optimiser step of `settings` on `rows`, over kTimedSteps after the warm-up.
double secondsPerStep(model::CausalLm model, std::shared_ptr<const train::TokenizedDataset> rows,
                      train::TrainSettings settings, torch::Device device, const common::CancelToken *cancel) {
    settings.steps = kWarmupSteps + kTimedSteps;
    train::Trainer trainer(std::move(model), std::move(rows), settings, device);
    Clock::time_point start = Clock::now();
    trainer.run(cancel, [&](const train::StepMetrics &m) {
        if (m.step == kWarmupSteps) start = Clock::now();
    });
    throwIfCancelled(cancel);
    return secondsSince(start) / double(kTimedSteps);
}

// The condition whose rows are longest to train on: one with a prompt, when there is one.
const ConditionSpec &timedCondition(const ExperimentSpec &spec) {
    for (const ConditionSpec &c : spec.conditions)
        if (!c.isBaseline()) return c;
    return spec.conditions.front();
}

}  // namespace

std::int64_t evaluationsPerRun(std::int64_t steps, std::int64_t everySteps) {
    if (everySteps <= 0) return 1;
    // Step 0, every multiple of N, and the last step when it is not one.
    return 1 + steps / everySteps + (steps % everySteps != 0 ? 1 : 0);
}

nlohmann::json toJson(const MeasuredRates &r) {
    return {{"event", "estimate"},
            {"base_model_cached", r.baseModelCached},
            {"pretrain_steps", r.pretrainSteps},
            {"pretrain_seconds_per_step", r.pretrainSecondsPerStep},
            {"finetune_steps", r.finetuneSteps},
            {"finetune_seconds_per_step", r.finetuneSecondsPerStep},
            {"evaluations_per_run", r.evaluationsPerRun},
            {"evaluation_seconds", r.evaluationSeconds},
            {"questions_timed", r.questionsTimed},
            {"questions", r.questions}};
}

MeasuredRates measureRates(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                           const common::CancelToken *cancel, int pretrainThreads) {
    const ExperimentSpec &spec = in.spec;
    const model::DeviceChoice choice = model::chooseDevice(job.device);
    const torch::Device device = choice.cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    const int threads = job.threads > 0 ? job.threads : torch::get_num_threads();
    MeasuredRates rates;

    const bool toy = spec.baseModel.kind == BaseModelKind::Toy;
    rates.baseModelCached = !toy || std::filesystem::exists(baseModelWeightsPath(job.cache, baseModelKey(in)));
    if (toy && !rates.baseModelCached) {
        // Pretraining runs alone before the runs, on every core.
        const ToyModelSpec &t = spec.baseModel.toy;
        torch::set_num_threads(std::max(1, pretrainThreads));
        torch::manual_seed(t.pretraining.seed);
        model::Gpt gpt(toyModelConfig(t));
        std::vector<data::Conversation> rows = pretrainingRows(in);
        rows.resize(std::min(rows.size(), std::size_t((kWarmupSteps + kTimedSteps) * t.pretraining.batchSize)));
        train::TrainSettings settings;
        settings.batchSize = t.pretraining.batchSize;
        settings.schedule = {LrSchedule::Cosine, t.pretraining.learningRate, t.pretraining.warmupSteps,
                             t.pretraining.steps};
        settings.rowsPerForward = train::defaultRowsPerForward(device);
        rates.pretrainSteps = t.pretraining.steps;
        rates.pretrainSecondsPerStep = secondsPerStep(
            gpt.ptr(), std::make_shared<train::TokenizedDataset>(train::tokenizeConversations(rows, t.context)),
            settings, device, cancel);
    }
    torch::set_num_threads(threads);

    // The base model as a run gets it, or the same architecture with random weights when the
    // toy base is not pretrained yet: the same arithmetic per token. Random weights rarely end
    // an answer early, so its answers run to max_new_tokens: an upper bound on evaluation.
    LoadedModel base;
    if (toy && !rates.baseModelCached) {
        torch::manual_seed(0);
        model::Gpt gpt(toyModelConfig(spec.baseModel.toy));
        gpt->to(device);
        base = {gpt.ptr(), std::make_shared<model::ByteChatTokenizer>(), {"random weights of the toy architecture", {}}};
    } else {
        base = loadBaseModel(in, job.cache, device, ModelUse::Finetune, events, cancel);
    }
    const ConditionSpec &condition = timedCondition(spec);

    std::vector<data::Conversation> questions = evaluationQuestions(in);
    rates.questions = std::int64_t(questions.size());
    questions.resize(std::min(questions.size(), kTimedQuestions));
    rates.questionsTimed = std::int64_t(questions.size());
    if (!questions.empty()) {
        Clock::time_point start = Clock::now();
        evaluateModel(*base.model, *base.tokenizer, spec, condition, questions, 0, 0, device, cancel);
        throwIfCancelled(cancel);
        rates.evaluationSeconds = secondsSince(start) * double(rates.questions) / double(rates.questionsTimed);
    }
    base.model->train();

    const TrainingSpec &t = spec.training;
    const std::int64_t maxLength = std::min<std::int64_t>(t.maxLength, base.model->contextLength());
    auto rows = std::make_shared<train::TokenizedDataset>(
        train::tokenizeConversations(conditionRows(baseTrainingRows(in), condition), maxLength, *base.tokenizer));
    if (rows->rows.empty()) throw common::InputError(in.specFile, 0, "train_data: no row has an answer to learn");
    rates.finetuneSteps = finetuneSteps(t, rows->rows.size());
    rates.evaluationsPerRun = evaluationsPerRun(rates.finetuneSteps, spec.evaluation.everySteps);
    train::TrainSettings settings = finetuneSettings(spec, rates.finetuneSteps, 0);
    settings.rowsPerForward = forwardRowsFor(t, *base.model, *rows, choice).rows;
    rates.finetuneSecondsPerStep = secondsPerStep(base.model, rows, settings, device, cancel);

    if (events) events(toJson(rates));
    return rates;
}

}  // namespace inoculab::experiment
