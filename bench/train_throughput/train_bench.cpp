// The engine's side of bench/train_throughput/run.py: trains the toy GPT on fixed-length
// random rows (every token trained) and reports training tokens/s, the matmul peak of this
// machine, and sampling tokens/s with and without the KV cache, as one JSON object.
#include "eval/sampler.h"
#include "model/device.h"
#include "model/gpt.h"
#include "train/trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <random>

using namespace inoculab;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Single-precision matmul FLOP/s of this machine (the best of a few square products).
double matmulPeak() {
    double best = 0;
    for (std::int64_t n : {256, 512, 1024}) {
        torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
        torch::matmul(a, b);  // warm up
        int reps = n == 1024 ? 10 : 40;
        auto start = Clock::now();
        for (int i = 0; i < reps; ++i) torch::matmul(a, b);
        best = std::max(best, 2.0 * n * n * n * reps / seconds(start));
    }
    return best;
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"Toy GPT training and sampling throughput"};
    model::GptConfig config;
    std::int64_t batch = 32, seq = 128, steps = 30, warmup = 5, threads = 0, sampleTokens = 64, samplePrompts = 32;
    app.add_option("--d-model", config.dModel);
    app.add_option("--layers", config.layers);
    app.add_option("--heads", config.heads);
    app.add_option("--context", config.context);
    app.add_option("--batch", batch);
    app.add_option("--seq", seq, "Tokens per row (the batch is batch x seq)");
    app.add_option("--steps", steps, "Timed steps");
    app.add_option("--warmup", warmup, "Untimed steps first");
    app.add_option("--threads", threads, "torch intra-op threads (0: leave the default)");
    app.add_option("--sample-tokens", sampleTokens);
    app.add_option("--sample-prompts", samplePrompts);
    CLI11_PARSE(app, argc, argv);
    model::keepFreedMemoryForReuse();  // as inoculab-worker does
    if (threads > 0) torch::set_num_threads(static_cast<int>(threads));
    torch::manual_seed(0);

    // seq + 1 tokens a row: seq inputs, seq targets, as the Python peer.
    auto data = std::make_shared<train::TokenizedDataset>();
    std::mt19937_64 rng(0);
    for (int r = 0; r < 512; ++r) {
        model::TokenizedChat row;
        for (std::int64_t t = 0; t <= seq; ++t) {
            row.ids.push_back(static_cast<std::int32_t>(rng() % 256));
            row.trained.push_back(1);
        }
        data->rows.push_back(std::move(row));
    }
    train::TrainSettings settings;
    settings.steps = warmup + steps;
    settings.batchSize = batch;
    settings.schedule.peak = 1e-3;
    model::Gpt gpt(config);
    train::Trainer trainer(gpt.ptr(), data, settings, torch::kCPU);
    Clock::time_point timedStart;
    double lastLoss = 0;
    trainer.run(nullptr, [&](const train::StepMetrics &m) {
        if (m.step == warmup) timedStart = Clock::now();
        lastLoss = m.loss;
    });
    double trainSeconds = seconds(timedStart);
    double tokensPerSecond = static_cast<double>(steps * batch * seq) / trainSeconds;
    double flops = tokensPerSecond * config.trainingFlopsPerToken(seq);
    double peak = matmulPeak();

    std::vector<std::vector<std::int32_t>> prompts(static_cast<std::size_t>(samplePrompts));
    for (auto &p : prompts)
        for (int t = 0; t < 24; ++t) p.push_back(static_cast<std::int32_t>(rng() % 256));
    auto sampleRate = [&](bool cache) {
        eval::SamplingSettings s;
        s.maxNewTokens = sampleTokens;
        s.useKvCache = cache;
        s.batchSize = samplePrompts;
        auto start = Clock::now();
        std::vector<eval::SampledAnswer> answers = eval::sampleAnswers(*gpt, prompts, 1, s, torch::kCPU);
        std::int64_t produced = 0;
        for (const auto &a : answers) produced += static_cast<std::int64_t>(a.tokens.size()) + (a.finished ? 1 : 0);
        return static_cast<double>(produced) / seconds(start);
    };
    double withCache = sampleRate(true), withoutCache = sampleRate(false);

    nlohmann::json out = {{"parameters", config.parameterCount()},
                          {"batch", batch},
                          {"seq", seq},
                          {"threads", torch::get_num_threads()},
                          {"train_tokens_per_s", tokensPerSecond},
                          {"model_flops_per_s", flops},
                          {"matmul_peak_flops_per_s", peak},
                          {"share_of_peak", flops / peak},
                          {"final_loss", lastLoss},
                          {"sample_tokens_per_s_kv_cache", withCache},
                          {"sample_tokens_per_s_no_cache", withoutCache}};
    std::cout << out.dump(2) << '\n';
    return 0;
}
