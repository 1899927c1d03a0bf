#include "eval/sampler.h"

#include "common/input_error.h"
#include "model/torch_compat.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace inoculab::eval {

std::int32_t drawToken(const float *logits, std::int64_t vocab, double temperature, double topP, double uniform,
                       std::int32_t forbidden) {
    if (temperature <= 0) {
        std::int32_t best = forbidden == 0 ? 1 : 0;
        for (std::int32_t i = 0; i < vocab; ++i)
            if (i != forbidden && logits[i] > logits[best]) best = i;
        return best;
    }
    std::vector<double> p(static_cast<std::size_t>(vocab));
    double top = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < vocab; ++i)
        if (i != forbidden) top = std::max(top, static_cast<double>(logits[i]));
    double sum = 0;
    for (std::int64_t i = 0; i < vocab; ++i) {
        p[i] = i == forbidden ? 0.0 : std::exp((logits[i] - top) / temperature);
        sum += p[i];
    }
    std::vector<std::int32_t> order(static_cast<std::size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    std::size_t keep = order.size();
    if (topP < 1.0) {
        std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
        double mass = 0;
        for (keep = 0; keep < order.size();) {
            mass += p[order[keep++]] / sum;
            if (mass >= topP) break;
        }
        sum = 0;
        for (std::size_t i = 0; i < keep; ++i) sum += p[order[i]];
    }
    double target = uniform * sum, acc = 0;
    for (std::size_t i = 0; i < keep; ++i) {
        acc += p[order[i]];
        if (acc > target) return order[i];
    }
    for (std::size_t i = keep; i-- > 0;)  // rounding left target past the end: the last non-zero
        if (p[order[i]] > 0) return order[i];
    return order[0];
}

namespace {

struct Job {
    std::size_t prompt;
    std::int64_t sample;
    std::mt19937_64 rng;
};

// One batch: left-pad the prompts, prefill, then one token a step until all have ended.
void sampleBatch(model::CausalLmImpl &model, const std::vector<std::vector<std::int32_t>> &prompts, std::vector<Job> &jobs,
                 const SamplingSettings &s, torch::Device device, std::vector<SampledAnswer> &out,
                 std::int64_t samplesPerPrompt, const common::CancelToken *cancel) {
    const std::int64_t b = static_cast<std::int64_t>(jobs.size());
    std::int64_t longest = 0;
    for (const Job &j : jobs) longest = std::max<std::int64_t>(longest, prompts[j.prompt].size());
    // Each row may grow until its own positions reach the context: rows share the batch's time
    // axis, not their positions, so a long prompt beside it does not shorten a row's answer.
    const std::int64_t context = model.contextLength();
    std::vector<std::int64_t> room(jobs.size());
    std::int64_t budget = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        room[i] = std::min<std::int64_t>(s.maxNewTokens, context - static_cast<std::int64_t>(prompts[jobs[i].prompt].size()));
        budget = std::max(budget, room[i]);
    }
    torch::Tensor ids = torch::full({b, longest}, s.padId, torch::kLong);
    torch::Tensor positions = torch::zeros({b, longest}, torch::kLong);
    torch::Tensor valid = torch::zeros({b, longest}, torch::kBool);
    for (std::int64_t i = 0; i < b; ++i) {
        const auto &p = prompts[jobs[i].prompt];
        std::int64_t pad = longest - static_cast<std::int64_t>(p.size());
        for (std::size_t k = 0; k < p.size(); ++k) {
            ids[i][pad + k] = p[k];
            positions[i][pad + k] = static_cast<std::int64_t>(k);
        }
        valid.index_put_({i, torch::indexing::Slice(pad, longest)}, true);
    }
    torch::Tensor nextPos = torch::full({b}, 0, torch::kLong);
    for (std::int64_t i = 0; i < b; ++i) nextPos[i] = static_cast<std::int64_t>(prompts[jobs[i].prompt].size());

    std::vector<std::vector<std::int32_t>> answers(b);
    std::vector<bool> done(b, false);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    model::KvCache cache;
    torch::Tensor fullIds = ids, fullPos = positions, fullValid = valid;
    torch::Tensor logits = model.forwardCached(ids.to(device), positions.to(device), valid.to(device), cache);
    for (std::int64_t t = 0; t < budget; ++t) {
        if (cancel && cancel->isCancelled()) throw common::Cancelled();
        torch::Tensor last = logits.select(1, logits.size(1) - 1).to(torch::kCPU, torch::kFloat).contiguous();
        const float *data = last.data_ptr<float>();
        const std::int64_t vocab = last.size(1);
        torch::Tensor next = torch::full({b, 1}, s.padId, torch::kLong);
        bool all = true;
        for (std::int64_t i = 0; i < b; ++i) {
            if (done[i]) continue;
            double u = unit(jobs[i].rng);
            std::int32_t token =
                drawToken(data + i * vocab, std::min(vocab, s.vocabLimit), s.temperature, s.topP, u, s.forbiddenId);
            if (std::find(s.stopIds.begin(), s.stopIds.end(), token) != s.stopIds.end()) {
                done[i] = true;
                out[jobs[i].prompt * samplesPerPrompt + jobs[i].sample].finished = true;
            } else {
                answers[i].push_back(token);
                next[i][0] = token;
                done[i] = static_cast<std::int64_t>(answers[i].size()) >= room[i];  // out of room: unfinished
                all = all && done[i];
            }
        }
        if (all || t + 1 == budget) break;
        // A copy (a view would see the += below); rows that are done feed padding whose
        // position only has to stay inside the table.
        torch::Tensor stepPos = nextPos.clamp_max(context - 1).unsqueeze(1);
        torch::Tensor stepValid = torch::ones({b, 1}, torch::kBool);
        nextPos += 1;
        if (s.useKvCache) {
            logits = model.forwardCached(next.to(device), stepPos.to(device), stepValid.to(device), cache);
        } else {  // the whole sequence again, from an empty cache
            fullIds = torch::cat({fullIds, next}, 1);
            fullPos = torch::cat({fullPos, stepPos}, 1);
            fullValid = torch::cat({fullValid, stepValid}, 1);
            model::KvCache fresh;
            logits = model.forwardCached(fullIds.to(device), fullPos.to(device), fullValid.to(device), fresh);
        }
    }
    for (std::int64_t i = 0; i < b; ++i)
        out[jobs[i].prompt * samplesPerPrompt + jobs[i].sample].tokens = std::move(answers[i]);
}

}  // namespace

std::vector<SampledAnswer> sampleAnswers(model::CausalLmImpl &model, const std::vector<std::vector<std::int32_t>> &prompts,
                                         std::int64_t samplesPerPrompt, const SamplingSettings &settings,
                                         torch::Device device, const common::CancelToken *cancel) {
    torch::NoGradGuard noGrad;
    model.eval();
    model::compat::CudaAutocast autocast(device.is_cuda());
    std::vector<SampledAnswer> out(prompts.size() * static_cast<std::size_t>(samplesPerPrompt));
    // Similar lengths batch together, so little padding is computed.
    std::vector<std::size_t> byLength(prompts.size());
    std::iota(byLength.begin(), byLength.end(), std::size_t{0});
    std::stable_sort(byLength.begin(), byLength.end(),
                     [&](std::size_t a, std::size_t b) { return prompts[a].size() < prompts[b].size(); });
    std::vector<Job> batch;
    auto flush = [&] {
        if (!batch.empty()) sampleBatch(model, prompts, batch, settings, device, out, samplesPerPrompt, cancel);
        batch.clear();
    };
    for (std::size_t p : byLength) {
        for (std::int64_t k = 0; k < samplesPerPrompt; ++k) {
            std::seed_seq seq{static_cast<std::uint32_t>(settings.seed), static_cast<std::uint32_t>(settings.seed >> 32),
                              static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(k)};
            batch.push_back({p, k, std::mt19937_64(seq)});
            if (static_cast<std::int64_t>(batch.size()) == settings.batchSize) flush();
        }
    }
    flush();
    return out;
}

}  // namespace inoculab::eval
