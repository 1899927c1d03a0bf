// The engine's side of bench/hf_train/run.py (and bench/gpu_check.sh): builds a Hugging Face
// architecture with random weights from a config.json, trains it with train::Trainer on
// random token rows (full finetuning, or LoRA on every projection through model::enableLora)
// and prints one JSON object: tokens/s after the warmup steps, model FLOP/s, MFU against a
// given peak, and peak GPU memory where this libtorch can report it.
//
// FLOP convention (the same in hf_train_peer.py, and GptConfig::trainingFlopsPerToken's):
// "matmul parameters" are the weights every token multiplies: all parameters less the token
// and position embedding tables, plus vocab x hidden for the output head (tied or not).
//   full: 6 x matmul parameters + 12 x layers x (heads x head_dim) x seq  per token
//   lora: 4 x matmul parameters (forward, and the gradient of the activations only: the
//         frozen weights get none) + 6 x adapter parameters + the same attention term.
#include "model/causal_lm.h"
#include "model/device.h"
#include "model/hf/hf_causal_lm.h"
#include "model/hf/hf_config.h"
#include "model/hf/hf_model.h"
#include "model/lora_adapters.h"
#include "model/torch_compat.h"
#include "train/trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#if defined(INOCULAB_HAVE_C10_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

using namespace inoculab;
using Clock = std::chrono::steady_clock;

namespace {

// Fails with a message that says what to do: the runner prints stderr as it is.
[[noreturn]] void fail(const std::string &message, int code = 2) {
    std::cerr << "inoculab_hf_train_bench: " << message << '\n';
    std::exit(code);
}

// A name ("gpt2-124m") is a file of the source tree's bench/hf_train/configs; anything else a path.
std::string configPath(const std::string &config) {
    if (std::filesystem::is_regular_file(config)) return config;
    std::string named = std::string(INOCULAB_HF_BENCH_CONFIGS) + "/" + config + ".json";
    if (std::filesystem::is_regular_file(named)) return named;
    fail("--config " + config + ": neither a file nor a name of " + INOCULAB_HF_BENCH_CONFIGS + "/*.json");
}

std::int64_t count(const std::vector<torch::Tensor> &tensors, bool trainableOnly) {
    std::int64_t n = 0;
    for (const auto &t : tensors)
        if (!trainableOnly || t.requires_grad()) n += t.numel();
    return n;
}

void synchronize(const torch::Device &device) {
    // The optimiser's kernels are queued, not done, when Trainer::run reports a step.
    if (device.is_cuda()) torch::cuda::synchronize();
}

std::int64_t peakCudaBytes(const torch::Device &device) {
#if defined(INOCULAB_HAVE_C10_CUDA)
    if (!device.is_cuda()) return -1;
    // Index 0 is StatType::AGGREGATE; `auto` because the stats type moved namespaces in 2.x.
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[0].peak;
#else
    (void)device;
    return -1;  // a libtorch without c10_cuda (Debian's CPU build)
#endif
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"Hugging Face architecture training throughput (random weights)"};
    std::string config = "gpt2-124m", method = "full", deviceName = "cuda";
    std::int64_t batch = 8, seq = 1024, steps = 20, warmup = 5, threads = 0, loraRank = 16;
    double loraAlpha = 32.0, learningRate = 3e-4, peakTflops = 989.0;
    app.add_option("--config", config, "config.json path, or a name in bench/hf_train/configs (gpt2-124m, "
                                        "qwen2-0.5b, tiny-gpt2, tiny-qwen2)");
    app.add_option("--method", method, "full or lora")->check(CLI::IsMember({"full", "lora"}));
    app.add_option("--device", deviceName, "cuda or cpu")->check(CLI::IsMember({"cuda", "cpu"}));
    app.add_option("--batch", batch, "Rows per step");
    app.add_option("--seq", seq, "Tokens per row (a step is batch x seq tokens)");
    app.add_option("--steps", steps, "Timed steps");
    app.add_option("--warmup", warmup, "Untimed steps first (at least 1)");
    app.add_option("--threads", threads, "torch intra-op threads (0: leave the default)");
    app.add_option("--lora-rank", loraRank);
    app.add_option("--lora-alpha", loraAlpha);
    app.add_option("--lr", learningRate, "Peak of the cosine schedule (no warmup)");
    app.add_option("--peak-tflops", peakTflops, "Accelerator peak for MFU (989: H100 SXM bf16 dense)");
    CLI11_PARSE(app, argc, argv);
    if (warmup < 1 || steps < 1 || batch < 1 || seq < 1) fail("--warmup, --steps, --batch and --seq must be at least 1");

    const bool cuda = deviceName == "cuda";
    if (cuda && !model::compat::cudaAvailable())
        fail("--device cuda, but this libtorch (" + model::compat::torchVersion() +
                 ") sees no CUDA device: build against a CUDA libtorch on a machine with an NVIDIA GPU "
                 "(bench/gpu_check.sh), or pass --device cpu",
             3);
    const torch::Device device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (!cuda) model::keepFreedMemoryForReuse();  // as inoculab-worker does on the CPU
    if (threads > 0) torch::set_num_threads(static_cast<int>(threads));
    torch::manual_seed(0);

    const std::string path = configPath(config);
    model::hf::HfConfig hf;
    try {
        hf = model::hf::readHfConfig(path);
    } catch (const std::exception &e) {
        fail(e.what());
    }
    if (seq > hf.maxPositions)
        fail("--seq " + std::to_string(seq) + " is longer than the model's context of " + std::to_string(hf.maxPositions));

    model::CausalLm lm = model::hf::buildHfModel(hf);
    const std::int64_t parameters = lm->parameterCount();
    std::int64_t embeddingTables = 0;
    for (const auto &p : lm->named_parameters())
        if (p.key() == "transformer.wte.weight" || p.key() == "transformer.wpe.weight" ||
            p.key() == "model.embed_tokens.weight")
            embeddingTables += p.value().numel();
    const std::int64_t headWeights = hf.vocabSize * hf.hiddenSize;
    const std::int64_t matmulParameters =
        parameters - embeddingTables + (hf.tieWordEmbeddings ? headWeights : 0);

    const bool lora = method == "lora";
    if (lora) {
        // As the worker does on a GPU (experiment/hf_base_model.cpp): the frozen base in bf16,
        // the adapters fp32 (AdaptableLinear::enableLora keeps them fp32 on a bf16 weight).
        if (cuda) lm->to(torch::kBFloat16);
        model::LoraConfig lc;
        lc.options.rank = loraRank;
        lc.options.alpha = loraAlpha;
        lc.targetModules = hf.family == "gpt2"
                               ? std::vector<std::string>{"c_attn", "c_proj", "c_fc"}
                               : std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                          "up_proj", "down_proj"};
        lc.fanInFanOut = hf.family == "gpt2";
        model::enableLora(*lm, lc);
    }
    const std::int64_t trainable = count(lm->parameters(), true);
    const std::int64_t adapterParameters = lora ? trainable : 0;
    const double attention = 12.0 * static_cast<double>(hf.layers * hf.heads * hf.headDim * seq);
    const double flopsPerToken = lora ? 4.0 * static_cast<double>(matmulParameters) +
                                            6.0 * static_cast<double>(adapterParameters) + attention
                                      : 6.0 * static_cast<double>(matmulParameters) + attention;

    // seq + 1 random ids a row, every target trained. Enough rows that a step never repeats
    // one; the order is the Trainer's own (seeded).
    auto data = std::make_shared<train::TokenizedDataset>();
    std::mt19937_64 rng(0);
    const std::int64_t rows = std::max<std::int64_t>(2 * batch, 64);
    for (std::int64_t r = 0; r < rows; ++r) {
        model::TokenizedChat row;
        for (std::int64_t t = 0; t <= seq; ++t) {
            row.ids.push_back(static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(hf.vocabSize)));
            row.trained.push_back(1);
        }
        data->rows.push_back(std::move(row));
    }
    train::TrainSettings settings;
    settings.steps = warmup + steps;
    settings.batchSize = batch;
    settings.schedule.peak = learningRate;
    settings.rowsPerForward = train::defaultRowsPerForward(device);  // as the worker
    train::Trainer trainer(lm, data, settings, device);

    Clock::time_point timedStart;
    double lastLoss = 0;
    try {
        trainer.run(nullptr, [&](const train::StepMetrics &m) {
            if (m.step == warmup) {
                synchronize(device);
                timedStart = Clock::now();
            }
            lastLoss = m.loss;
        });
        synchronize(device);
    } catch (const std::exception &e) {
        fail(std::string("training failed: ") + e.what(), 3);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - timedStart).count();
    const double tokensPerSecond = static_cast<double>(steps * batch * seq) / seconds;
    const double flops = tokensPerSecond * flopsPerToken;
    const std::int64_t peakBytes = peakCudaBytes(device);

    nlohmann::json out = {
        {"impl", "inoculab"},
        {"torch_version", model::compat::torchVersion()},
        {"config", std::filesystem::path(path).filename().string()},
        {"family", hf.family},
        {"method", method},
        {"device", deviceName},
        {"dtype", cuda ? (lora ? "bf16 frozen base, fp32 adapters, bf16 autocast" : "fp32 weights, bf16 autocast")
                       : "fp32"},
        {"parameters", parameters},
        {"trainable_parameters", trainable},
        {"matmul_parameters", matmulParameters},
        {"flops_per_token", flopsPerToken},
        {"flops_convention", lora ? "4*matmul_params + 6*adapter_params + 12*L*H*D*seq"
                                  : "6*matmul_params + 12*L*H*D*seq"},
        {"batch", batch},
        {"seq", seq},
        {"steps", steps},
        {"warmup", warmup},
        {"lora_rank", lora ? loraRank : 0},
        {"threads", torch::get_num_threads()},
        {"train_seconds", seconds},
        {"tokens_per_s", tokensPerSecond},
        {"model_flops_per_s", flops},
        {"peak_tflops", peakTflops},
        {"mfu", flops / (peakTflops * 1e12)},
        {"peak_memory_bytes", peakBytes >= 0 ? nlohmann::json(peakBytes) : nlohmann::json(nullptr)},
        {"final_loss", lastLoss}};
    std::cout << out.dump(2) << '\n';
    return 0;
}
