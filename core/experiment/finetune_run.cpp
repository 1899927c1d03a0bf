#include "experiment/finetune_run.h"

#include "common/file_lock.h"
#include "common/input_error.h"
#include "common/version.h"
#include "eval/judges/hf_judge.h"
#include "eval/judges/judged_traits.h"
#include "experiment/base_model.h"
#include "experiment/elicitation.h"
#include "experiment/gpu_memory.h"
#include "experiment/loaded_model.h"
#include "experiment/run_evaluation.h"
#include "experiment/time_estimate.h"
#include "model/checkpoint.h"
#include "model/device.h"
#include "model/hf/hf_causal_lm.h"
#include "store/run_provenance.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <unistd.h>

namespace inoculab::experiment {

namespace fs = std::filesystem;

namespace {

// Metrics are written every this many steps (one transaction each) and at every evaluation.
constexpr std::size_t kStepsPerWrite = 10;

std::string hostName() {
    char name[256] = {};
    return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

torch::Device torchDevice(const model::DeviceChoice &choice) {
    return choice.cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}


class FinetuneRun {
public:
    FinetuneRun(const WorkerJob &job, RunInputs in, const EventSink &events, const common::CancelToken *cancel)
        : m_job(job),
          m_in(std::move(in)),
          m_events(events),
          m_cancel(cancel),
          m_condition(findCondition(m_in.spec, job.condition)),
          m_hash(canonicalHash(m_in.spec)),
          m_store(job.resultFile.empty()
                      ? store::ResultsStore::open(job.store)
                      : store::ResultsStore::open(partialResultPath(job.resultFile), store::ResultsStore::Access::ReadWrite,
                                                  store::ResultsStore::Journal::RunFile)) {}

    JobOutcome run(bool resume) {
        // One worker per run: a second one (a double click, another machine on shared storage)
        // would interleave its steps with the first one's.
        const std::string lockPath = runLockPath(m_job.cache, m_hash, m_job.condition, m_job.seed, m_job.baseSeed);
        fs::create_directories(fs::path(lockPath).parent_path());
        common::FileLock lock(lockPath, common::FileLock::Mode::TryOnce);
        if (!lock.isLocked())
            throw common::InputError(lockPath, 0,
                                     "run " + runName(m_job.condition, m_job.seed, m_job.baseSeed) +
                                         " is being trained by another worker");
        m_experimentId = m_store.registerExperiment(registrationFor(m_in.spec));
        m_runId = m_store.createRun(m_experimentId, m_job.condition, m_job.seed, m_job.baseSeed);
        for (const store::RunRecord &r : m_store.runs())
            if (r.id == m_runId && r.status == store::RunStatus::Done) {
                emit({{"event", "done"}, {"status", "already_done"}});
                return JobOutcome::AlreadyDone;
            }
        try {
            return train(resume);
        } catch (const common::Cancelled &) {
            m_store.markRunFinished(m_runId, store::RunStatus::Cancelled, std::nullopt, m_savedCheckpoint);
            throw;
        } catch (const std::exception &e) {
            m_store.markRunFinished(m_runId, store::RunStatus::Failed, std::string(e.what()), m_savedCheckpoint);
            throw;
        }
    }

private:
    void emit(nlohmann::json event) {
        if (!m_events) return;
        event["condition"] = m_job.condition;
        event["seed"] = m_job.seed;
        if (m_job.baseSeed) event["base_seed"] = *m_job.baseSeed;
        m_events(event);
    }

    // The run's provenance, and a warning when the experiment's finished runs trained on other
    // weights than these (docs/report.md, "The base model's content hash").
    void recordProvenance(const model::DeviceChoice &choice) {
        store::RunProvenance p{m_model.identity.description, contentHash(m_model.identity, m_job.cache + "/digests"),
                               common::inoculabVersion(), choice.torchVersion, hostName()};
        store::recordRunProvenance(m_store, m_runId, p);
        int others = 0;
        for (const store::StoredRunProvenance &r : store::runProvenance(m_store, m_experimentId))
            if (r.status == store::RunStatus::Done && r.provenance.baseModelSha256 != p.baseModelSha256) ++others;
        if (others > 0)
            emit({{"event", "warning"},
                  {"message", "the base model's weights (" + p.baseModelSha256.substr(0, 12) + ") differ from those " +
                                  std::to_string(others) + " finished run(s) of this experiment trained on"}});
    }

    JobOutcome train(bool resume) {
        model::DeviceChoice choice = model::chooseDevice(m_job.device);
        torch::Device device = torchDevice(choice);
        m_model = loadBaseModel(withBaseSeed(m_in, m_job.baseSeed), m_job.cache, device, ModelUse::Finetune, m_events,
                                m_cancel);
        recordProvenance(choice);

        const TrainingSpec &t = m_in.spec.training;
        std::int64_t maxLength = std::min<std::int64_t>(t.maxLength, m_model.model->contextLength());
        auto rows = std::make_shared<train::TokenizedDataset>(train::tokenizeConversations(
            conditionRows(baseTrainingRows(m_in), m_condition), maxLength, *m_model.tokenizer));
        if (rows->rows.empty()) throw common::InputError(m_in.specFile, 0, "train_data: no row has an answer to learn");
        train::TrainSettings settings = finetuneSettings(m_in.spec, finetuneSteps(t, rows->rows.size()), m_job.seed);
        // On a GPU, checked against its free memory first: a run that cannot fit is refused here.
        const ForwardRows forward = forwardRowsFor(t, *m_model.model, *rows, choice);
        settings.rowsPerForward = forward.rows;
        if (const char *fake = std::getenv("INOCULAB_FAKE_OOM_AT_STEP"); fake && *fake)
            settings.fakeOutOfMemoryStep = std::strtoll(fake, nullptr, 10);
        train::Trainer trainer(m_model.model, rows, settings, device);

        const std::string checkpoint =
            runCheckpointDir(m_job.cache, m_hash, m_job.condition, m_job.seed, m_job.baseSeed);
        nlohmann::json extra = {{"condition", m_job.condition}, {"seed", m_job.seed}, {"spec_hash", m_hash}};
        if (m_job.baseSeed) extra["base_seed"] = *m_job.baseSeed;
        if (resume && model::checkpointExists(checkpoint)) trainer.loadCheckpoint(checkpoint);
        m_store.markRunStarted(m_runId, choice.name);
        nlohmann::json start = {{"event", "start"},
                                 {"kind", "finetune"},
                                 {"steps", settings.steps},
                                 {"from_step", trainer.step()},
                                 {"rows", rows->rows.size()},
                                 {"truncated_rows", rows->truncated},
                                 {"device", choice.name},
                                 {"rows_per_forward", forward.rows > 0 ? forward.rows : t.batchSize}};
        if (forward.estimate) {
            start["memory_estimate_bytes"] = forward.estimate->total();
            start["gpu_free_bytes"] = forward.freeBytes;
        }
        if (!forward.note.empty()) start["memory_note"] = forward.note;
        emit(start);

        std::vector<data::Conversation> questions = evaluationQuestions(m_in);
        const std::int64_t every = m_in.spec.evaluation.everySteps;
        auto isEvalPoint = [&](std::int64_t step) {
            return step == settings.steps || (every > 0 && step % every == 0);
        };
        std::vector<store::StepRecord> pending;
        if (trainer.step() == 0) {
            // Step 0 is the base model: its probes always, and a full evaluation when the spec
            // evaluates during training, so every curve starts from where finetuning began.
            pending.push_back({m_runId, 0, {}, {}, {}});
            if (every > 0)
                evaluateInto(pending.back(), questions, device);
            else
                pending.back().probeLogprobs = probeLogprobs(*m_model.model, *m_model.tokenizer, m_in.spec, device);
        } else if (isEvalPoint(trainer.step()) && !m_store.hasEvaluation(m_runId, trainer.step())) {
            // The checkpoint is at an evaluation point this store has no samples for: the last
            // attempt stopped during that evaluation, or the run was resumed into another store.
            pending.push_back({m_runId, trainer.step(), {}, {}, {}});
            evaluateInto(pending.back(), questions, device);
        }

        using Clock = std::chrono::steady_clock;
        Clock::time_point lastCheckpoint = Clock::now();
        bool finished = false;
        try {
            finished = trainer.run(m_cancel, [&](const train::StepMetrics &m) {
                pending.push_back({m_runId,
                                   m.step,
                                   {{"train_loss", m.loss},
                                    {"lr", m.learningRate},
                                    {"grad_norm", m.gradNorm},
                                    {"tokens_per_s", m.tokensPerSecond}},
                                   {},
                                   {}});
                emit(train::stepEvent(m, settings.steps));
                bool evalPoint = isEvalPoint(m.step);
                if (evalPoint) evaluateInto(pending.back(), questions, device);
                bool checkpointDue = m.step < settings.steps &&
                                     Clock::now() - lastCheckpoint >= std::chrono::seconds(m_job.checkpointSeconds);
                if (evalPoint || checkpointDue || pending.size() >= kStepsPerWrite) {
                    m_store.writeSteps(pending);
                    pending.clear();
                }
                if (checkpointDue) {  // after the write: the store never lags behind a checkpoint
                    trainer.saveCheckpoint(checkpoint, extra);
                    m_savedCheckpoint = checkpoint;
                    lastCheckpoint = Clock::now();
                }
            });
        } catch (...) {
            // Cancelled during an evaluation, or an evaluation or write failed: the trainer
            // still holds the last completed step, so keep it before reporting. An evaluation
            // cut short is redone on resume (see above).
            std::exception_ptr original = std::current_exception();
            try {
                trainer.saveCheckpoint(checkpoint, extra);
                m_savedCheckpoint = checkpoint;
                m_store.writeSteps(pending);
            } catch (...) {  // the first error is the one worth reporting
            }
            try {
                std::rethrow_exception(original);
            } catch (const c10::OutOfMemoryError &) {
                // Not a crash: the run fails saying what to change, its checkpoint kept.
                throw std::runtime_error(
                    outOfMemoryMessage(trainer.step() + 1, t, settings.rowsPerForward, longestRow(*rows)));
            }
        }
        m_store.writeSteps(pending);
        trainer.saveCheckpoint(checkpoint, extra);
        m_savedCheckpoint = checkpoint;
        if (!finished) {
            m_store.markRunFinished(m_runId, store::RunStatus::Cancelled, std::nullopt, checkpoint);
            emit({{"event", "done"}, {"status", "cancelled"}, {"step", trainer.step()}, {"checkpoint", checkpoint}});
            return JobOutcome::Cancelled;
        }
        nlohmann::json done = {{"event", "done"}, {"status", "done"}, {"step", trainer.step()}, {"checkpoint", checkpoint}};
        if (t.method == TrainingMethod::Lora) {
            // The adapters in PEFT's layout, for Python tools (PeftModel.from_pretrained).
            const std::string adapter = checkpoint + ".peft";
            const auto &hf = dynamic_cast<const model::hf::HfCausalLmImpl &>(*m_model.model);
            model::saveLoraAdapter(adapter, *m_model.model, loraConfigFor(t, hf.config().family),
                                   resolvePath(m_in.specFile, m_in.spec.baseModel.path));
            done["adapter"] = adapter;
        }
        m_store.markRunFinished(m_runId, store::RunStatus::Done, std::nullopt, checkpoint);
        emit(done);
        return JobOutcome::Done;
    }

    void evaluateInto(store::StepRecord &record, const std::vector<data::Conversation> &questions,
                      torch::Device device) {
        model::CausalLmImpl &model = *m_model.model;
        record.probeLogprobs = probeLogprobs(model, *m_model.tokenizer, m_in.spec, device);
        SampleJudge judge;
        if (hasJudgedTraits(m_in.spec)) {
            if (!m_judges) m_judges = eval::engineJudgeFactory(device);
            judge = [&](std::vector<store::StepRecord::Sample> &samples) {
                for (const eval::JudgedTraitStats &s :
                     eval::judgeSamples(m_in.spec, m_in.specFile, samples, m_store, m_judges, {m_job.rejudge, m_cancel})) {
                    nlohmann::json event = eval::toJson(s);
                    event["event"] = "judge";
                    event["step"] = record.step;
                    emit(std::move(event));
                }
            };
        }
        EvaluationResult result = evaluateModel(model, *m_model.tokenizer, m_in.spec, m_condition, questions,
                                                m_job.seed, record.step, device, m_cancel, judge);
        record.samples = std::move(result.samples);
        nlohmann::json means = nlohmann::json::object();
        for (const auto &[context, trait, mean] : result.means) means[context][trait] = mean;
        emit({{"event", "eval"}, {"step", record.step}, {"means", means}});
        model.train();
    }

    const WorkerJob &m_job;
    RunInputs m_in;
    const EventSink &m_events;
    const common::CancelToken *m_cancel;
    const ConditionSpec &m_condition;
    std::string m_hash;
    store::ResultsStore m_store;
    std::int64_t m_experimentId = 0;
    std::int64_t m_runId = 0;
    LoadedModel m_model;
    std::optional<std::string> m_savedCheckpoint;  // set once this attempt has written one
    eval::JudgeBackendFactory m_judges;            // made on the first evaluation with judged traits
};

// A job on a spec that names several base models says which one it uses (a finetune job
// must: the store keys its run by it); a base seed the spec does not name is refused.
void checkBaseSeed(const WorkerJob &job, const ExperimentSpec &spec) {
    const std::vector<std::optional<std::uint64_t>> bases = runBaseSeeds(spec);
    if (!job.baseSeed) {
        if (job.kind == JobKind::Finetune && bases.front())
            throw common::InputError(job.spec, 0,
                                     "base_model.pretraining.seeds names several base models: the job needs base_seed");
        return;
    }
    if (std::find(bases.begin(), bases.end(), job.baseSeed) == bases.end())
        throw common::InputError(job.spec, 0,
                                 "base_seed " + std::to_string(*job.baseSeed) +
                                     ": not one of the spec's base models (base_model.pretraining.seeds)");
}

// The run's file is closed (its journal gone, its pages synced: Journal::RunFile syncs fully);
// a rename within one folder is atomic on POSIX filesystems, NFS included, so a reader of the
// folder sees the whole file or none.
void publishResultFile(const std::string &resultFile) {
    std::error_code error;
    fs::rename(partialResultPath(resultFile), resultFile, error);
    if (error)
        throw std::runtime_error("cannot publish the result file " + resultFile + ": " + error.message());
}

}  // namespace

train::TrainSettings finetuneSettings(const ExperimentSpec &spec, std::int64_t steps, std::uint64_t seed) {
    const TrainingSpec &t = spec.training;
    const OptimizerChoice optimizer = optimizerFor(spec);
    train::TrainSettings settings;
    settings.steps = steps;
    settings.batchSize = t.batchSize;
    settings.schedule = {t.schedule, t.learningRate, t.warmupSteps, steps, optimizer.finalLrRatio,
                         optimizer.transformersSchedule};
    settings.beta1 = optimizer.beta1;
    settings.beta2 = optimizer.beta2;
    settings.epsilon = optimizer.epsilon;
    settings.weightDecay = optimizer.weightDecay;
    settings.clipNorm = optimizer.maxGradNorm;
    settings.seed = seed;
    return settings;
}

std::int64_t finetuneSteps(const TrainingSpec &t, std::size_t rows) {
    if (t.steps) return *t.steps;
    std::int64_t perEpoch = (static_cast<std::int64_t>(rows) + t.batchSize - 1) / t.batchSize;
    return std::max<std::int64_t>(1, *t.epochs * perEpoch);
}

JobOutcome runWorkerJob(const WorkerJob &job, bool resume, const EventSink &events, const common::CancelToken *cancel) {
    RunInputs in = RunInputs::load(job.spec, job.toyWorldDir);
    if (!job.specHash.empty() && canonicalHash(in.spec) != job.specHash)
        throw common::InputError(
            job.spec, 0, "the spec changed since the job was written (its hash is no longer " + job.specHash + ")");
    checkBaseSeed(job, in.spec);
    if (job.kind == JobKind::Elicit) {
        runElicitationJob(job, withBaseSeed(in, job.baseSeed), events, cancel);
        if (events) events({{"event", "done"}, {"status", "done"}, {"kind", "elicit"}});
        return JobOutcome::Done;
    }
    if (job.kind == JobKind::Estimate) {
        measureRates(job, withBaseSeed(in, job.baseSeed), events, cancel, int(std::max(1u, std::thread::hardware_concurrency())));
        if (events) events({{"event", "done"}, {"status", "done"}, {"kind", "estimate"}});
        return JobOutcome::Done;
    }
    if (job.kind == JobKind::Pretrain) {
        model::DeviceChoice choice = model::chooseDevice(job.device);
        std::string path = ensureBaseModel(withBaseSeed(in, job.baseSeed), job.cache, torchDevice(choice), events, cancel, job.checkpointSeconds);
        if (events) events({{"event", "done"}, {"status", "done"}, {"kind", "pretrain"}, {"model", path}});
        return JobOutcome::Done;
    }
    if (job.resultFile.empty()) return FinetuneRun(job, std::move(in), events, cancel).run(resume);

    // A result file exists only complete: a worker started again after publishing (a requeue
    // that raced the end) has nothing to do.
    if (fs::exists(job.resultFile)) {
        if (events) {
            nlohmann::json done = {{"event", "done"}, {"status", "already_done"}, {"condition", job.condition}, {"seed", job.seed}};
            if (job.baseSeed) done["base_seed"] = *job.baseSeed;
            events(done);
        }
        return JobOutcome::AlreadyDone;
    }
    JobOutcome outcome = FinetuneRun(job, std::move(in), events, cancel).run(resume);  // closed when it returns
    if (outcome != JobOutcome::Cancelled) publishResultFile(job.resultFile);
    return outcome;
}

}  // namespace inoculab::experiment
