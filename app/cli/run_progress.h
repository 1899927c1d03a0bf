#pragma once
// What `experiment run` shows while workers train: a progress bar with ETA on a terminal,
// the workers' JSON events passed through (`--progress jsonl`), one line per finished run, or
// nothing.

#include "experiment/experiment_spec.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>

namespace inoculab::cli {

enum class ProgressMode { Bar, Jsonl, Lines, None };
// --progress: bar, jsonl, none, or auto (a bar on a terminal, else lines).
ProgressMode progressModeNamed(const std::string &name);

class RunProgress {
public:
    RunProgress(ProgressMode mode, std::size_t runs);
    // A job to come: its steps, and the cost of one step relative to the others (rows per
    // step over the workers sharing the machine), so that the ETA does not count a
    // pretraining step, which has the machine to itself, like a finetuning step.
    void expect(const std::string &label, std::int64_t steps, double costPerStep);

    // An event of the worker running `label` ("pretrain", "baseline/seed0").
    void onEvent(const std::string &label, const nlohmann::json &event);
    // A message for the user (run finished, failed), above the bar.
    void note(const std::string &text);
    // Leaves the terminal clean.
    void finish();
    // "ETA 3m10s, 1m02s so far", from the share of all planned steps done.
    std::string eta() const;

private:
    void draw(bool force);
    double workDone() const;

    ProgressMode m_mode;
    double m_totalWork = 0;
    std::size_t m_runs, m_runsDone = 0;
    std::map<std::string, double> m_costPerStep;      // per label
    std::map<std::string, double> m_workDone;         // per label: steps done x cost per step
    std::map<std::string, std::string> m_status;       // per label: "step 40/60 loss 0.51"
    std::chrono::steady_clock::time_point m_start, m_lastDraw;
    bool m_drawn = false;
};

// A finetuning run's steps as planned before it starts (a spec in epochs over a data file is
// refined by the run's start event).
std::int64_t plannedFinetuneSteps(const experiment::ExperimentSpec &spec);

}  // namespace inoculab::cli
