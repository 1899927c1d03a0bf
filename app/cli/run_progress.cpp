#include "run_progress.h"

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
    const std::string kind = event.value("event", "");
    if (kind == "step") {
        auto cost = m_costPerStep.find(label);
        m_workDone[label] =
            static_cast<double>(event.value("step", std::int64_t{0})) * (cost == m_costPerStep.end() ? 1.0 : cost->second);
        char text[96];
        std::snprintf(text, sizeof text, "step %lld/%lld loss %.3f", static_cast<long long>(event.value("step", 0LL)),
                      static_cast<long long>(event.value("steps", 0LL)), event.value("loss", 0.0));
        m_status[label] = text;
        if (m_mode == ProgressMode::Lines && label == "pretrain") {
            // Without a terminal, a line at every tenth of pretraining, the long wait.
            std::int64_t steps = std::max<std::int64_t>(1, event.value("steps", 1LL));
            std::int64_t step = event.value("step", 0LL);
            if (step * 10 / steps != (step - 1) * 10 / steps) note(label + " " + text + " (" + eta() + ")");
        }
        draw(false);
    } else if (kind == "eval" && m_mode != ProgressMode::None) {
        std::string means;
        const nlohmann::json all = event.value("means", nlohmann::json::object());  // kept alive for the loop
        for (const auto &[context, traits] : all.items())
            for (const auto &[trait, mean] : traits.items()) {
                char text[96];
                std::snprintf(text, sizeof text, " %s/%s %.2f", context.c_str(), trait.c_str(), mean.get<double>());
                means += text;
            }
        note(label + " step " + std::to_string(event.value("step", 0LL)) + ":" + means);
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

}  // namespace inoculab::cli
