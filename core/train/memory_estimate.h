#pragma once
// What finetuning a transformer needs of a GPU's memory, before it starts: weights, gradients,
// AdamW's moments, the activations kept for the backward pass of one forward pass of
// `rowsPerForward` rows of `length` tokens (with or without gradient checkpointing), and the
// logits. The terms and their constants are written out in docs/gpu.md; they model how this
// engine trains on CUDA (fp32 weights that train, a bf16 frozen base under LoRA, bf16 autocast
// activations) and are an estimate, not a measurement: only a real GPU can confirm the peak.
// No torch here, so the CLI can estimate a spec's needs without the engine.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace inoculab::train {

// A decoder-only transformer's shape, as its config gives it.
struct TransformerShape {
    std::int64_t parameters = 0;  // every weight, embeddings once when tied
    std::int64_t layers = 0;
    std::int64_t hidden = 0;
    std::int64_t intermediate = 0;
    std::int64_t heads = 0;
    std::int64_t kvHeads = 0;
    std::int64_t headDim = 0;
    std::int64_t vocab = 0;
    bool gatedMlp = true;  // Llama and Qwen: gate and up projections (SwiGLU); GPT-2: one fc
};

struct MemorySettings {
    std::int64_t trainable = 0;      // weights the optimiser updates (all, or the LoRA adapters)
    bool frozenBase = false;         // LoRA: the base is held in bf16 and gets no gradient
    std::int64_t rowsPerForward = 1;
    std::int64_t length = 0;         // tokens per row (the longest row, or max_length)
    bool gradientCheckpointing = false;
    // libtorch 2.x: scaled_dot_product_attention keeps no T x T scores; 1.13 keeps the softmax.
    bool fusedAttention = true;
};

// Bytes, by term.
struct MemoryEstimate {
    std::int64_t weights = 0;
    std::int64_t gradients = 0;
    std::int64_t optimizer = 0;    // AdamW's two fp32 moments per trainable weight
    std::int64_t activations = 0;  // kept for the backward pass
    std::int64_t logits = 0;       // the output layer's logits, their fp32 copy and gradient
    std::int64_t overhead = 0;     // CUDA context, cuBLAS workspaces, allocator slack (an allowance)
    std::int64_t total() const { return weights + gradients + optimizer + activations + logits + overhead; }
};

MemoryEstimate estimateTrainingMemory(const TransformerShape &shape, const MemorySettings &settings);

// The activations one token keeps in one block (bytes), and the fixed allowance: exposed so
// that the docs' figures and the tests can be checked term by term.
std::int64_t activationBytesPerTokenPerLayer(const TransformerShape &shape, const MemorySettings &settings);
inline constexpr std::int64_t kCudaOverheadBytes = std::int64_t(1) << 30;  // 1 GiB

// Against a GPU's free memory: fits below 90% of it; close up to all of it; else does not.
enum class MemoryFit { Fits, Close, DoesNotFit };
struct MemoryVerdict {
    MemoryFit fit = MemoryFit::Fits;
    MemoryEstimate estimate;
    // The most rows per forward pass (at most `batchSize`) that fit below 90%, 0 when not even
    // one does; and whether one row fits with gradient checkpointing turned on.
    std::int64_t largestRowsPerForward = 0;
    bool fitsWithCheckpointing = false;
    std::string message;  // one paragraph with the numbers and the settings that would fit
};
MemoryVerdict judgeTrainingMemory(const TransformerShape &shape, const MemorySettings &settings, std::int64_t batchSize,
                                  std::int64_t freeBytes);

// How many rows a step's forward passes take on a GPU with `freeBytes` free: `requested` (the
// spec's training.rows_per_forward) when it fits, with a warning when it is close; unset, the
// whole batch when it fits, else the most rows that do. Throws GpuMemoryError with the
// verdict's message when the requested rows, or not even one row, fit.
struct RowsPerForwardChoice {
    std::int64_t rows = 0;
    MemoryEstimate estimate;  // at `rows`
    std::string note;         // why these rows, or a warning that they are close; may be empty
};
class GpuMemoryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
RowsPerForwardChoice chooseRowsPerForward(const TransformerShape &shape, MemorySettings settings,
                                          std::optional<std::int64_t> requested, std::int64_t batchSize,
                                          std::int64_t freeBytes);

// "12.3 GiB"
std::string gibText(std::int64_t bytes);

}  // namespace inoculab::train
