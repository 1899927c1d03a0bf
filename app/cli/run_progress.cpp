#include "run_progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace inoculab::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string formatDuration(double seconds) {
    long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else
        std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
    return text;
}

// Events come from another process: a number may be null (a NaN written as JSON) or absent,
// and a progress display must never be the reason an experiment stops.
double numberOr(const nlohmann::json &event, const char *key, double fallback) {
    auto it = event.find(key);
    return it != event.end() && it->is_number() ? it->get<double>() : fallback;
}

std::int64_t integerOr(const nlohmann::json &event, const char *key, std::int64_t fallback) {
    auto it = event.find(key);
    return it != event.end() && it->is_number() ? it->get<std::int64_t>() : fallback;
}

}  // namespace

RunProgress::RunProgress(ProgressMode mode, std::size_t runs) : m_mode(mode), m_runs(runs), m_start(Clock::now()) {}

void RunProgress::expect(const std::string &label, std::int64_t steps, double costPerStep) {
    m_costPerStep[label] = costPerStep;
    m_totalWork += static_cast<double>(steps) * costPerStep;
}

void RunProgress::onEvent(const std::string &label, const nlohmann::json &event) {
    if (m_mode == ProgressMode::Jsonl) {
        nlohmann::json out = event;
        out["run"] = label;
        std::cout << out.dump() << '\n' << std::flush;
        return;
    }
    auto kindField = event.find("event");
    const std::string kind = kindField != event.end() && kindField->is_string() ? kindField->get<std::string>() : "";
    if (kind == "step") {
        auto cost = m_costPerStep.find(label);
        const std::int64_t step = integerOr(event, "step", 0);
        const std::int64_t steps = std::max<std::int64_t>(1, integerOr(event, "steps", 1));
        m_workDone[label] = static_cast<double>(step) * (cost == m_costPerStep.end() ? 1.0 : cost->second);
        char text[96];
        std::snprintf(text, sizeof text, "step %lld/%lld loss %.3f", static_cast<long long>(step),
                      static_cast<long long>(steps), numberOr(event, "loss", std::nan("")));
        m_status[label] = text;
        if (m_mode == ProgressMode::Lines && label == "pretrain") {
            // Without a terminal, a line at every tenth of pretraining, the long wait.
            if (step * 10 / steps != (step - 1) * 10 / steps) note(label + " " + text + " (" + eta() + ")");
        }
        draw(false);
    } else if (kind == "eval" && m_mode != ProgressMode::None) {
        std::string means;
        auto all = event.find("means");
        if (all != event.end() && all->is_object())
            for (const auto &[context, traits] : all->items()) {
                if (!traits.is_object()) continue;
                for (const auto &[trait, mean] : traits.items()) {
                    char text[96];
                    std::snprintf(text, sizeof text, " %s/%s %.2f", context.c_str(), trait.c_str(),
                                  mean.is_number() ? mean.get<double>() : std::nan(""));
                    means += text;
                }
            }
        note(label + " step " + std::to_string(integerOr(event, "step", 0)) + ":" + means);
    } else if (kind == "judge" && m_mode != ProgressMode::None) {
        auto count = [&](const char *key) { return std::to_string(integerOr(event, key, 0)); };
        std::string trait = event.contains("trait") && event["trait"].is_string() ? event["trait"].get<std::string>() : "";
        note(label + " step " + count("step") + ": judged " + trait + ": " + count("answers") + " answers, " +
             count("asked") + " asked, " + count("cached") + " from the cache, " + count("undefined") + " undefined, " +
             count("dropped") + " dropped");
    } else if (kind == "warning" && m_mode != ProgressMode::None) {
        const std::string message =
            event.contains("message") && event["message"].is_string() ? event["message"].get<std::string>() : "";
        note(label + ": warning: " + message);
    } else if (kind == "done") {
        m_status.erase(label);
        if (label != "pretrain") ++m_runsDone;
        draw(true);
    }
}

void RunProgress::note(const std::string &text) {
    if (m_mode == ProgressMode::None || m_mode == ProgressMode::Jsonl) return;
    if (m_mode == ProgressMode::Bar && m_drawn) std::cerr << "\r\033[K";
    std::cerr << text << '\n';
    if (m_mode == ProgressMode::Bar) draw(true);
}

std::string RunProgress::eta() const {
    double done = workDone();
    double elapsed = std::chrono::duration<double>(Clock::now() - m_start).count();
    if (done <= 0 || elapsed < 1) return "ETA --";
    double remaining = elapsed * std::max(0.0, m_totalWork - done) / done;
    return "ETA " + formatDuration(remaining) + ", " + formatDuration(elapsed) + " so far";
}

double RunProgress::workDone() const {
    double done = 0;
    for (const auto &[label, work] : m_workDone) done += work;
    return done;
}

void RunProgress::draw(bool force) {
    if (m_mode != ProgressMode::Bar) return;
    auto now = Clock::now();
    if (!force && m_drawn && now - m_lastDraw < std::chrono::milliseconds(200)) return;
    m_lastDraw = now;
    double share = m_totalWork > 0 ? std::min(1.0, workDone() / m_totalWork) : 0.0;
    constexpr int kWidth = 24;
    int filled = static_cast<int>(share * kWidth);
    std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "]";
    char head[64];
    std::snprintf(head, sizeof head, " %3d%% runs %zu/%zu ", static_cast<int>(share * 100), m_runsDone, m_runs);
    std::string line = bar + head;
    for (const auto &[label, status] : m_status) line += "| " + label + " " + status + " ";
    line += "| " + eta();
    std::cerr << "\r\033[K" << line << std::flush;
    m_drawn = true;
}

void RunProgress::finish() {
    if (m_mode == ProgressMode::Bar && m_drawn) std::cerr << '\n';
}

ProgressMode progressModeNamed(const std::string &name) {
    if (name == "bar") return ProgressMode::Bar;
    if (name == "jsonl") return ProgressMode::Jsonl;
    if (name == "none") return ProgressMode::None;
    return ::isatty(STDERR_FILENO) ? ProgressMode::Bar : ProgressMode::Lines;
}

std::int64_t plannedFinetuneSteps(const experiment::ExperimentSpec &spec) {
    const experiment::TrainingSpec &t = spec.training;
    if (t.steps) return *t.steps;
    std::int64_t rows = spec.trainData.isGenerated() ? spec.trainData.rows : 1000;  // refined when it starts
    return *t.epochs * ((rows + t.batchSize - 1) / t.batchSize);
}

}  // namespace inoculab::cli
