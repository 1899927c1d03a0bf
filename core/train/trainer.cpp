#include "train/trainer.h"

#include "common/input_error.h"
#include "model/checkpoint.h"
#include "model/precision.h"
#include "model/torch_compat.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace inoculab::train {

nlohmann::json TrainSettings::toJson() const {
    return {{"steps", steps},
            {"batch_size", batchSize},
            {"accumulation", accumulation},
            {"rows_per_forward", rowsPerForward},
            {"schedule", experiment::lrScheduleName(schedule.kind)},
            {"learning_rate", schedule.peak},
            {"warmup_steps", schedule.warmupSteps},
            {"final_lr_ratio", schedule.finalRatio},
            {"lr_formula", schedule.transformersFormula ? "transformers" : "inoculab"},
            {"adam_epsilon", epsilon},
            {"weight_decay", weightDecay},
            {"betas", {beta1, beta2}},
            {"clip_norm", clipNorm},
            {"seed", seed}};
}

nlohmann::json stepEvent(const StepMetrics &m, std::int64_t totalSteps) {
    return {{"event", "step"},
            {"step", m.step},
            {"steps", totalSteps},
            {"loss", m.loss},
            {"lr", m.learningRate},
            {"grad_norm", m.gradNorm},
            {"tokens_per_s", m.tokensPerSecond}};
}

std::pair<torch::Tensor, std::int64_t> batchLoss(model::CausalLmImpl &model, const TokenizedDataset &data,
                                                 const std::vector<std::size_t> &rows, torch::Device device,
                                                 std::int64_t *tokensFed) {
    // Dynamic padding: the batch is as long as its longest row, not the context.
    std::int64_t longest = 0;
    for (std::size_t r : rows) longest = std::max<std::int64_t>(longest, data.rows[r].ids.size());
    const std::int64_t b = static_cast<std::int64_t>(rows.size()), t = longest - 1;
    torch::Tensor inputs = torch::full({b, t}, data.padId, torch::kLong);
    torch::Tensor targets = torch::full({b, t}, -100, torch::kLong);  // -100: ignored by the loss
    auto in = inputs.accessor<std::int64_t, 2>();
    auto out = targets.accessor<std::int64_t, 2>();
    std::int64_t trained = 0, fed = 0;
    for (std::int64_t i = 0; i < b; ++i) {
        const model::TokenizedChat &row = data.rows[rows[i]];
        const std::int64_t n = static_cast<std::int64_t>(row.ids.size());
        for (std::int64_t j = 0; j + 1 < n; ++j) {
            in[i][j] = row.ids[j];
            if (row.trained[j + 1]) {
                out[i][j] = row.ids[j + 1];
                ++trained;
            }
        }
        fed += n - 1;
    }
    if (tokensFed) *tokensFed = fed;
    torch::Tensor logits = model.forward(inputs.to(device));  // [B, T, V]
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        model::atLeastFloat(logits.view({b * t, -1})), targets.to(device).view({b * t}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
    return {loss, trained};
}

Trainer::Trainer(model::CausalLm model, std::shared_ptr<const TokenizedDataset> data, TrainSettings settings,
                 torch::Device device)
    : m_model(std::move(model)),
      m_data(std::move(data)),
      m_settings(std::move(settings)),
      m_device(device),
      m_order(m_data->rows.size(), m_settings.seed) {
    m_settings.schedule.totalSteps = m_settings.steps;
    if (m_settings.accumulation < 1 || m_settings.batchSize % m_settings.accumulation != 0)
        throw std::invalid_argument("batch size must be a multiple of the accumulation steps");
    m_model->to(m_device);
    // Weight decay on matrices (and the tied embedding), not on biases or norms. Frozen
    // weights (the base model under LoRA) are not the optimiser's.
    std::vector<torch::Tensor> decay, noDecay;
    for (const auto &[name, p] : m_model->trainableWeights()) (p.dim() >= 2 ? decay : noDecay).push_back(p);
    auto options = [&](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(m_settings.schedule.peak)
                                                                .betas({m_settings.beta1, m_settings.beta2})
                                                                .eps(m_settings.epsilon)
                                                                .weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, options(m_settings.weightDecay));
    groups.emplace_back(noDecay, options(0.0));
    m_optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(m_settings.schedule.peak));
}

void Trainer::setLearningRate(double lr) {
    for (auto &group : m_optimizer->param_groups()) static_cast<torch::optim::AdamWOptions &>(group.options()).lr(lr);
}

double Trainer::trainStep(const std::vector<std::size_t> &rows, std::int64_t &tokens) {
    m_model->zero_grad(/*set_to_none=*/true);  // the first backward writes the gradient: no memset
    const std::size_t micro = rows.size() / static_cast<std::size_t>(m_settings.accumulation);
    // The step's loss is the mean over all its trained tokens, so every micro-batch's summed
    // loss is divided by the step's total, counted first.
    std::int64_t stepTrained = 0;
    for (std::size_t r : rows)
        for (std::size_t j = 1; j < m_data->rows[r].trained.size(); ++j) stepTrained += m_data->rows[r].trained[j];
    double total = 0;
    tokens = 0;
    model::compat::CudaAutocast autocast(m_device.is_cuda());
    for (std::int64_t a = 0; a < m_settings.accumulation; ++a) {
        std::vector<std::size_t> part(rows.begin() + a * micro, rows.begin() + (a + 1) * micro);
        std::stable_sort(part.begin(), part.end(), [&](std::size_t x, std::size_t y) {
            return m_data->rows[x].ids.size() < m_data->rows[y].ids.size();
        });
        const std::size_t chunk =
            m_settings.rowsPerForward > 0 ? static_cast<std::size_t>(m_settings.rowsPerForward) : part.size();
        for (std::size_t begin = 0; begin < part.size(); begin += chunk) {
            std::vector<std::size_t> rowsOfPass(part.begin() + begin,
                                                part.begin() + std::min(part.size(), begin + chunk));
            std::int64_t fed = 0;
            auto [loss, trained] = batchLoss(*m_model, *m_data, rowsOfPass, m_device, &fed);
            (void)trained;
            loss = loss / static_cast<double>(std::max<std::int64_t>(1, stepTrained));
            loss.backward();
            total += loss.item<double>();
            tokens += fed;
        }
    }
    return total;
}

bool Trainer::run(const common::CancelToken *cancel, const std::function<void(const StepMetrics &)> &onStep) {
    m_model->train();
    while (m_step < m_settings.steps) {
        if (cancel && cancel->isCancelled()) return false;
        auto start = std::chrono::steady_clock::now();
        StepMetrics m;
        if (m_settings.fakeOutOfMemoryStep == m_step + 1)
            throw c10::OutOfMemoryError({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)},
                                        "CUDA out of memory (INOCULAB_FAKE_OOM_AT_STEP)");
        m.learningRate = learningRateAt(m_settings.schedule, m_step);
        setLearningRate(m.learningRate);
        m.loss = trainStep(m_order.batch(m_step, static_cast<std::size_t>(m_settings.batchSize)), m.tokens);
        double clip = m_settings.clipNorm > 0 ? m_settings.clipNorm : std::numeric_limits<double>::infinity();
        m.gradNorm = torch::nn::utils::clip_grad_norm_(m_model->parameters(), clip);
        // A diverged step must not reach the weights: stop before the optimiser applies it, so
        // the last checkpoint and the store hold only finite numbers.
        if (!std::isfinite(m.loss) || !std::isfinite(m.gradNorm))
            throw std::runtime_error("step " + std::to_string(m_step + 1) + ": the " +
                                     (std::isfinite(m.loss) ? "gradient norm" : "loss") +
                                     " is not finite (training diverged; try a lower learning rate)");
        m_optimizer->step();
        ++m_step;
        m.step = m_step;
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        m.tokensPerSecond = seconds > 0 ? static_cast<double>(m.tokens) / seconds : 0;
        if (onStep) onStep(m);
    }
    return true;
}

void Trainer::saveCheckpoint(const std::string &dir, const nlohmann::json &extraMetadata) const {
    std::vector<std::pair<std::string, torch::Tensor>> moments;
    const auto &state = m_optimizer->state();
    std::int64_t adamSteps = 0;
    for (const auto &[name, p] : m_model->trainableWeights()) {
        auto it = state.find(model::compat::optimizerStateKey(p));
        if (it == state.end()) continue;  // no step taken yet
        const auto &s = static_cast<const torch::optim::AdamWParamState &>(*it->second);
        moments.emplace_back("exp_avg." + name, s.exp_avg());
        moments.emplace_back("exp_avg_sq." + name, s.exp_avg_sq());
        adamSteps = s.step();
    }
    nlohmann::json meta = {{"step", m_step},
                           {"adam_steps", adamSteps},
                           {"data_order", {{"seed", m_settings.seed}, {"next_step", m_step}}},
                           {"settings", m_settings.toJson()},
                           {"extra", extraMetadata}};
    model::saveCheckpointFiles(dir, *m_model, moments, meta);
}

nlohmann::json Trainer::loadCheckpoint(const std::string &dir) {
    model::LoadedCheckpoint loaded = model::loadCheckpointFiles(dir, *m_model, [&](const nlohmann::json &meta) {
        // How a batch is split into forward passes is a device choice, not a training setting:
        // a run checkpointed on the GPU may resume on a CPU and the other way round.
        auto comparable = [](nlohmann::json settings) {
            if (!settings.is_object()) return settings;
            settings.erase("rows_per_forward");
            // Checkpoints from before these keys were trained with what they now say.
            if (!settings.contains("lr_formula")) settings["lr_formula"] = "inoculab";
            if (!settings.contains("adam_epsilon")) settings["adam_epsilon"] = 1e-8;
            return settings;
        };
        if (comparable(meta.value("settings", nlohmann::json())) != comparable(m_settings.toJson()))
            throw common::InputError(dir + "/trainer.json", 0,
                                     "settings: the checkpoint was made with other training settings");
    });
    const nlohmann::json &meta = loaded.metadata;
    m_step = meta.at("step").get<std::int64_t>();
    std::int64_t adamSteps = meta.at("adam_steps").get<std::int64_t>();
    auto &state = m_optimizer->state();
    state.clear();
    const std::string optimizerFile = dir + "/" + model::kOptimizerFile;
    for (const auto &[name, p] : m_model->trainableWeights()) {
        auto avg = loaded.tensors.find("exp_avg." + name), sq = loaded.tensors.find("exp_avg_sq." + name);
        if (adamSteps == 0 && avg == loaded.tensors.end() && sq == loaded.tensors.end()) continue;  // no step yet
        // Past step 0 every parameter has its moments, of its own shape: anything else would
        // resume a different optimiser, or fail deep inside AdamW.
        for (auto it : {avg, sq}) {
            const std::string key = (it == avg ? "exp_avg." : "exp_avg_sq.") + name;
            if (it == loaded.tensors.end())
                throw common::InputError(
                    optimizerFile, 0,
                    key + ": missing (the checkpoint is at Adam step " + std::to_string(adamSteps) + ")");
            if (!it->second.sizes().equals(p.sizes()))
                throw common::InputError(
                    optimizerFile, 0,
                    key + ": shape " + c10::str(it->second.sizes()) + ", the parameter has " + c10::str(p.sizes()));
        }
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(adamSteps);
        s->exp_avg(avg->second.to(m_device));
        s->exp_avg_sq(sq->second.to(m_device));
        state[model::compat::optimizerStateKey(p)] = std::move(s);
    }
    return meta.value("extra", nlohmann::json::object());
}

}  // namespace inoculab::train
