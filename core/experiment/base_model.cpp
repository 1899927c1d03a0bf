#include "experiment/base_model.h"

#include "common/file_lock.h"
#include "common/input_error.h"
#include "experiment/worker_job.h"
#include "model/checkpoint.h"
#include "train/trainer.h"

#include <chrono>
#include <filesystem>

namespace inoculab::experiment {

namespace fs = std::filesystem;

std::string ensureBaseModel(const RunInputs &in, const std::string &cache, torch::Device device,
                            const EventSink &events, const common::CancelToken *cancel, int checkpointSeconds) {
    if (in.spec.baseModel.kind != BaseModelKind::Toy)
        throw common::InputError(in.specFile, 0, "base_model.kind: only toy base models can be trained so far");
    const std::string key = baseModelKey(in);
    const fs::path dir = baseModelDir(cache, key);
    const fs::path weights = baseModelWeightsPath(cache, key);
    fs::create_directories(dir.parent_path());
    common::FileLock lock(dir.string() + ".lock");
    if (fs::exists(weights)) return weights.string();

    const ToyModelSpec &toy = in.spec.baseModel.toy;
    torch::manual_seed(toy.pretraining.seed);
    model::Gpt gpt(toyModelConfig(toy));
    auto rows =
        std::make_shared<train::TokenizedDataset>(train::tokenizeConversations(pretrainingRows(in), toy.context));
    train::TrainSettings settings;
    settings.steps = toy.pretraining.steps;
    settings.batchSize = toy.pretraining.batchSize;
    settings.schedule = {LrSchedule::Cosine, toy.pretraining.learningRate, toy.pretraining.warmupSteps, settings.steps};
    settings.seed = toy.pretraining.seed;
    settings.rowsPerForward = train::defaultRowsPerForward(device);
    train::Trainer trainer(gpt.ptr(), rows, settings, device);
    // A cancelled or killed pretraining keeps its place here; the next attempt continues from it.
    const fs::path partial = dir.string() + ".partial";
    const nlohmann::json checkpointNote = {{"base_model_key", key}};
    if (model::checkpointExists(partial.string())) trainer.loadCheckpoint(partial.string());
    if (events)
        events({{"event", "start"},
                {"kind", "pretrain"},
                {"steps", settings.steps},
                {"parameters", gpt->config().parameterCount()},
                {"rows", rows->rows.size()},
                {"truncated_rows", rows->truncated},
                {"from_step", trainer.step()},
                {"device", device.str()}});
    using Clock = std::chrono::steady_clock;
    Clock::time_point lastCheckpoint = Clock::now();
    bool finished = trainer.run(cancel, [&](const train::StepMetrics &m) {
        if (events) {
            nlohmann::json event = train::stepEvent(m, settings.steps);
            event["kind"] = "pretrain";
            events(event);
        }
        if (m.step < settings.steps && Clock::now() - lastCheckpoint >= std::chrono::seconds(checkpointSeconds)) {
            trainer.saveCheckpoint(partial.string(), checkpointNote);
            lastCheckpoint = Clock::now();
        }
    });
    if (!finished) {
        trainer.saveCheckpoint(partial.string(), checkpointNote);
        throw common::Cancelled();
    }
    fs::create_directories(dir);
    model::saveWeights(weights.string(), gpt);
    fs::remove_all(partial);
    return weights.string();
}

}  // namespace inoculab::experiment
