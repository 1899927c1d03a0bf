#pragma once
// Trainer: AdamW over a model's trainable weights on tokenized chats, with warmup + decay, gradient clipping and
// accumulation, a (seed, step)-determined data order, cancellation at step boundaries and
// checkpoints that resume to the same numbers as an uninterrupted run.

#include "common/progress.h"
#include "model/causal_lm.h"
#include "train/lr_schedule.h"
#include "train/token_batches.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace inoculab::train {

struct TrainSettings {
    std::int64_t steps = 100;
    std::int64_t batchSize = 32;      // rows per optimiser step
    std::int64_t accumulation = 1;    // micro-batches per step (batchSize / accumulation rows each)
    // Rows of one forward pass at most (0: the whole micro-batch). The step's rows are sorted
    // by length first, so small chunks carry little padding: on the CPU, where padding costs
    // as much as real tokens, chunks of 8 rows feed 1.4x fewer tokens for the same gradient.
    std::int64_t rowsPerForward = 0;
    LrScheduleSettings schedule;      // totalSteps is set from `steps`
    double weightDecay = 0.1;         // on matrices only, as nanoGPT and transformers' Trainer
    double beta1 = 0.9, beta2 = 0.95;
    double epsilon = 1e-8;
    double clipNorm = 1.0;            // 0: no clipping
    std::uint64_t seed = 0;           // data order
    // The step that fails as CUDA's allocator fails when the GPU is out of memory
    // (c10::OutOfMemoryError): the seam the out-of-memory path is tested through on machines
    // without a GPU ($INOCULAB_FAKE_OOM_AT_STEP, finetuning only); 0: none. Not a setting of the
    // run (not in toJson).
    std::int64_t fakeOutOfMemoryStep = 0;

    nlohmann::json toJson() const;
};

// 8 on the CPU (see TrainSettings::rowsPerForward); on a GPU padding is cheaper than more passes.
inline std::int64_t defaultRowsPerForward(const torch::Device &device) { return device.is_cuda() ? 0 : 8; }

struct StepMetrics {
    std::int64_t step = 0;  // 1-based: steps completed
    double loss = 0;        // mean over trained tokens of the step
    double learningRate = 0;
    double gradNorm = 0;    // before clipping
    double tokensPerSecond = 0;  // all tokens fed (padding excluded)
    std::int64_t tokens = 0;
};

// The `step` progress event of docs/worker-jobs.md for a step of `totalSteps`.
nlohmann::json stepEvent(const StepMetrics &m, std::int64_t totalSteps);

class Trainer {
public:
    Trainer(model::CausalLm model, std::shared_ptr<const TokenizedDataset> data, TrainSettings settings,
            torch::Device device);

    // Runs steps until settings.steps or until `cancel` is set (checked between steps).
    // `onStep` sees each finished step; returns true when all steps are done.
    bool run(const common::CancelToken *cancel, const std::function<void(const StepMetrics &)> &onStep);

    std::int64_t step() const { return m_step; }
    model::CausalLm &model() { return m_model; }

    // Model weights, optimiser moments and the step, in `dir` (written whole or not at all).
    void saveCheckpoint(const std::string &dir, const nlohmann::json &extraMetadata) const;
    // Restores what saveCheckpoint wrote; throws common::InputError naming the file when it
    // does not fit this model or these settings. Returns the extra metadata.
    nlohmann::json loadCheckpoint(const std::string &dir);

private:
    double trainStep(const std::vector<std::size_t> &rows, std::int64_t &tokens);
    void setLearningRate(double lr);

    model::CausalLm m_model;
    std::shared_ptr<const TokenizedDataset> m_data;
    TrainSettings m_settings;
    torch::Device m_device;
    std::unique_ptr<torch::optim::AdamW> m_optimizer;
    BatchOrder m_order;
    std::int64_t m_step = 0;
};

// Cross-entropy of next-token prediction on the trained tokens of `rows` (right-padded into
// one batch). Returns the summed loss tensor and the number of trained targets.
std::pair<torch::Tensor, std::int64_t> batchLoss(model::CausalLmImpl &model, const TokenizedDataset &data,
                                                 const std::vector<std::size_t> &rows, torch::Device device,
                                                 std::int64_t *tokensFed = nullptr);

}  // namespace inoculab::train
