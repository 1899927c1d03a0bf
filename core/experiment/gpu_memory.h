#pragma once
// A finetuning run's rows per forward pass, checked against the GPU's free memory before it
// starts (memory_plan.h), and the message a run that still runs out of GPU memory fails with.

#include "experiment/experiment_spec.h"
#include "model/causal_lm.h"
#include "model/device.h"
#include "train/memory_estimate.h"
#include "train/token_batches.h"

#include <optional>
#include <string>

namespace inoculab::experiment {

struct ForwardRows {
    std::int64_t rows = 0;                          // 0: the whole micro-batch
    std::optional<train::MemoryEstimate> estimate;  // on a GPU whose free memory is known
    std::int64_t freeBytes = 0;
    std::string note;  // why these rows, or that they are close to the free memory
};

// On the CPU: training.rows_per_forward, else 8. On a GPU: checked against the free memory
// NVML reports for the worker's GPU (the first of CUDA_VISIBLE_DEVICES; $INOCULAB_FAKE_GPUS
// stands in for NVML): the spec's rows when they fit, unset the most that fit; throws
// train::GpuMemoryError naming the numbers and the settings that would fit otherwise.
ForwardRows forwardRowsFor(const TrainingSpec &training, const model::CausalLmImpl &model,
                           const train::TokenizedDataset &rows, const model::DeviceChoice &device);

// "out of GPU memory at step N (batch B, length L, R rows per forward pass, X of Y in use on GPU
// k): lower training.rows_per_forward (the run resumes from its checkpoint) or turn on
// training.gradient_checkpointing".
std::string outOfMemoryMessage(std::int64_t step, const TrainingSpec &training, std::int64_t rowsPerForward,
                               std::int64_t length);

// The longest row, in tokens.
std::int64_t longestRow(const train::TokenizedDataset &rows);

}  // namespace inoculab::experiment
