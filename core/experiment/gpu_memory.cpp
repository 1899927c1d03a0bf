#include "experiment/gpu_memory.h"

#include "experiment/memory_plan.h"
#include "model/gpt.h"
#include "model/hf/hf_causal_lm.h"
#include "model/torch_compat.h"
#include "system/gpu_list.h"
#include "train/trainer.h"

#include <algorithm>
#include <cstdlib>

namespace inoculab::experiment {

namespace {

// The worker's GPU as NVML lists it: CUDA_VISIBLE_DEVICES's first entry (workers get one,
// in NVML's PCI order: experiment run sets CUDA_DEVICE_ORDER), else GPU 0.
std::optional<system::GpuInfo> workerGpu() {
    int index = 0;
    if (const char *visible = std::getenv("CUDA_VISIBLE_DEVICES"); visible && *visible) {
        char *end = nullptr;
        long value = std::strtol(visible, &end, 10);
        if (end == visible) return std::nullopt;  // a UUID: not NVML's index
        index = static_cast<int>(value);
    }
    for (const system::GpuInfo &g : system::listGpus().gpus)
        if (g.index == index) return g;
    return std::nullopt;
}

train::TransformerShape shapeOf(const model::CausalLmImpl &model) {
    if (const auto *hf = dynamic_cast<const model::hf::HfCausalLmImpl *>(&model))
        return transformerShapeOf(hf->config(), model.parameterCount());
    return transformerShapeOf(dynamic_cast<const model::GptImpl &>(model).config());
}

std::int64_t trainableParameters(const model::CausalLmImpl &model) {
    std::int64_t n = 0;
    for (const torch::Tensor &p : model.parameters())
        if (p.requires_grad()) n += p.numel();
    return n;
}

}  // namespace

std::int64_t longestRow(const train::TokenizedDataset &rows) {
    std::size_t longest = 0;
    for (const model::TokenizedChat &r : rows.rows) longest = std::max(longest, r.ids.size());
    return static_cast<std::int64_t>(longest);
}

ForwardRows forwardRowsFor(const TrainingSpec &t, const model::CausalLmImpl &model, const train::TokenizedDataset &rows,
                           const model::DeviceChoice &device) {
    ForwardRows out;
    if (!device.cuda) {
        out.rows = t.rowsPerForward.value_or(train::defaultRowsPerForward(torch::Device(torch::kCPU)));
        return out;
    }
    out.rows = t.rowsPerForward.value_or(0);
    std::optional<system::GpuInfo> gpu = workerGpu();
    if (!gpu || gpu->memoryFree <= 0) {
        out.note = "the GPU's free memory is unknown (no NVML): rows per forward pass not checked";
        return out;
    }
    train::MemorySettings settings =
        memorySettingsFor(t, trainableParameters(model), longestRow(rows), model::compat::kFusedAttention);
    train::RowsPerForwardChoice choice =
        train::chooseRowsPerForward(shapeOf(model), settings, t.rowsPerForward, t.batchSize, gpu->memoryFree);
    out.rows = choice.rows;
    out.estimate = choice.estimate;
    out.freeBytes = gpu->memoryFree;
    out.note = choice.note;
    return out;
}

std::string outOfMemoryMessage(std::int64_t step, const TrainingSpec &t, std::int64_t rowsPerForward,
                               std::int64_t length) {
    std::string where;
    if (std::optional<system::GpuInfo> gpu = workerGpu(); gpu && gpu->memoryTotal > 0)
        where = ", " + train::gibText(gpu->memoryTotal - gpu->memoryFree) + " of " + train::gibText(gpu->memoryTotal) +
                " in use on GPU " + std::to_string(gpu->index);
    const std::int64_t rows = rowsPerForward > 0 ? rowsPerForward : t.batchSize;
    return "out of GPU memory at step " + std::to_string(step) + " (batch " + std::to_string(t.batchSize) +
           ", length " + std::to_string(length) + ", " + std::to_string(rows) + " rows per forward pass" + where +
           "): lower training.rows_per_forward (the run resumes from its checkpoint) or turn on "
           "training.gradient_checkpointing";
}

}  // namespace inoculab::experiment
