#include "train/memory_estimate.h"

#include <cstdio>

namespace inoculab::train {

namespace {

constexpr std::int64_t kFp32 = 4, kBf16 = 2;

// Fits below this share of the free memory; the rest is the estimate's margin of error.
constexpr double kComfortable = 0.9;

bool fitsComfortably(const MemoryEstimate &e, std::int64_t freeBytes) {
    return static_cast<double>(e.total()) <= kComfortable * static_cast<double>(freeBytes);
}

// The most rows per forward pass in [1, batchSize] that fit comfortably; 0 when none does.
std::int64_t largestRows(const TransformerShape &shape, MemorySettings settings, std::int64_t batchSize,
                         std::int64_t freeBytes) {
    for (std::int64_t rows = batchSize; rows >= 1; --rows) {
        settings.rowsPerForward = rows;
        if (fitsComfortably(estimateTrainingMemory(shape, settings), freeBytes)) return rows;
    }
    return 0;
}

}  // namespace

std::string gibText(std::int64_t bytes) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f GiB", static_cast<double>(bytes) / static_cast<double>(1 << 30));
    return buffer;
}

std::int64_t activationBytesPerTokenPerLayer(const TransformerShape &shape, const MemorySettings &settings) {
    const std::int64_t q = shape.heads * shape.headDim, kv = shape.kvHeads * shape.headDim;
    // The fp32 residual stream at the input of each of the two norms.
    std::int64_t bytes = 2 * kFp32 * shape.hidden;
    // bf16 under autocast: both norms' outputs, q, k, v, the attention's output (o_proj's
    // input), and the MLP's inner tensors: gate, up, act(gate) and their product (down's
    // input) for a gated MLP, fc's output and its activation for GPT-2.
    const std::int64_t mlpTensors = shape.gatedMlp ? 4 : 2;
    bytes += kBf16 * (2 * shape.hidden + 2 * q + 2 * kv + mlpTensors * shape.intermediate);
    // The attention's own: the fp32 log-sum-exp per head (fused), or the softmax over all
    // `length` keys per head (the explicit path).
    bytes += settings.fusedAttention ? kFp32 * shape.heads : kFp32 * shape.heads * settings.length;
    return bytes;
}

MemoryEstimate estimateTrainingMemory(const TransformerShape &shape, const MemorySettings &settings) {
    MemoryEstimate e;
    // Weights that train are fp32 masters; a frozen LoRA base is bf16 beside fp32 adapters.
    e.weights = settings.frozenBase ? kBf16 * shape.parameters + kFp32 * settings.trainable : kFp32 * shape.parameters;
    e.gradients = kFp32 * settings.trainable;
    e.optimizer = 2 * kFp32 * settings.trainable;
    const std::int64_t tokens = settings.rowsPerForward * settings.length;
    const std::int64_t perLayer = activationBytesPerTokenPerLayer(shape, settings);
    // Checkpointing keeps each block's fp32 input and recomputes one block at a time.
    e.activations = settings.gradientCheckpointing ? tokens * (kFp32 * shape.hidden * shape.layers + perLayer)
                                                   : tokens * perLayer * shape.layers;
    // bf16 logits, their fp32 copy for the loss, and its fp32 gradient.
    e.logits = tokens * shape.vocab * (kBf16 + kFp32 + kFp32);
    e.overhead = kCudaOverheadBytes;
    return e;
}

MemoryVerdict judgeTrainingMemory(const TransformerShape &shape, const MemorySettings &settings, std::int64_t batchSize,
                                  std::int64_t freeBytes) {
    MemoryVerdict v;
    v.estimate = estimateTrainingMemory(shape, settings);
    const std::int64_t total = v.estimate.total();
    v.fit = fitsComfortably(v.estimate, freeBytes) ? MemoryFit::Fits
            : total <= freeBytes                   ? MemoryFit::Close
                                                   : MemoryFit::DoesNotFit;
    v.largestRowsPerForward = largestRows(shape, settings, batchSize, freeBytes);
    MemorySettings checkpointed = settings;
    checkpointed.gradientCheckpointing = true;
    const std::int64_t rowsCheckpointed = largestRows(shape, checkpointed, batchSize, freeBytes);
    v.fitsWithCheckpointing = rowsCheckpointed > 0;

    const MemoryEstimate &e = v.estimate;
    std::string terms = "weights " + gibText(e.weights) + ", gradients " + gibText(e.gradients) + ", AdamW " +
                        gibText(e.optimizer) + ", activations " + gibText(e.activations) + " and logits " +
                        gibText(e.logits) + " for " + std::to_string(settings.rowsPerForward) + " rows of " +
                        std::to_string(settings.length) + " tokens per forward pass" +
                        (settings.gradientCheckpointing ? " with gradient checkpointing" : "") + ", overhead " +
                        gibText(e.overhead);
    const std::string needs = "training needs an estimated " + gibText(total) + " (" + terms + ")";
    const std::string free = gibText(freeBytes) + " free";
    if (v.fit == MemoryFit::Fits) {
        v.message = needs + " of the GPU's " + free;
        return v;
    }
    if (v.fit == MemoryFit::Close) v.message = needs + ", close to the GPU's " + free;
    else v.message = needs + ", more than the GPU's " + free;
    if (v.largestRowsPerForward > 0 && v.largestRowsPerForward < settings.rowsPerForward)
        v.message += "; training.rows_per_forward " + std::to_string(v.largestRowsPerForward) + " would fit";
    else if (v.largestRowsPerForward == 0 && !settings.gradientCheckpointing && v.fitsWithCheckpointing)
        v.message += "; training.gradient_checkpointing with training.rows_per_forward " +
                     std::to_string(rowsCheckpointed) + " would fit";
    else if (v.largestRowsPerForward == 0)
        v.message += "; not even one row fits" +
                     std::string(settings.gradientCheckpointing ? "" : ", with gradient checkpointing or without") +
                     ": train with LoRA (training.method \"lora\"), shorter rows (training.max_length) or on a GPU "
                     "with more memory";
    return v;
}

RowsPerForwardChoice chooseRowsPerForward(const TransformerShape &shape, MemorySettings settings,
                                          std::optional<std::int64_t> requested, std::int64_t batchSize,
                                          std::int64_t freeBytes) {
    settings.rowsPerForward = requested.value_or(batchSize);
    MemoryVerdict v = judgeTrainingMemory(shape, settings, batchSize, freeBytes);
    RowsPerForwardChoice choice{settings.rowsPerForward, v.estimate, {}};
    if (v.fit == MemoryFit::Close) choice.note = v.message;
    if (v.fit != MemoryFit::DoesNotFit) return choice;
    if (requested || v.largestRowsPerForward == 0) throw GpuMemoryError(v.message);
    settings.rowsPerForward = v.largestRowsPerForward;
    choice.rows = v.largestRowsPerForward;
    choice.estimate = estimateTrainingMemory(shape, settings);
    choice.note = "rows_per_forward " + std::to_string(choice.rows) + " of the batch's " + std::to_string(batchSize) +
                  ": the most that fit the GPU's " + gibText(freeBytes) + " free (an estimated " +
                  gibText(choice.estimate.total()) + ")";
    return choice;
}

}  // namespace inoculab::train
