// Store ingest and query speed: how fast a worker can log metrics, and how long the chart
// of one metric takes to query once a store holds 1,000,000 metric rows.
//
// usage: inoculab_store_bench STORE_FILE [ROWS] [STEPS_PER_COMMIT]
// Writes ROWS metric rows (4 conditions x 3 seeds, 10 metrics a step), committing every
// STEPS_PER_COMMIT steps as a worker would, then times metricCurves() for one metric.
// Prints one JSON object. STORE_FILE must not exist.
#include "store/results_queries.h"
#include "store/results_store.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

using namespace inoculab::store;
using Clock = std::chrono::steady_clock;

namespace {
double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
}  // namespace

int main(int argc, char **argv) {
    if (argc < 2 || std::filesystem::exists(argv[1])) {
        std::fprintf(stderr, "usage: %s NEW_STORE_FILE [ROWS] [STEPS_PER_COMMIT]\n", argv[0]);
        return 1;
    }
    const std::int64_t rows = argc > 2 ? std::atoll(argv[2]) : 1000000;
    const int stepsPerCommit = argc > 3 ? std::atoi(argv[3]) : 50;
    constexpr int kConditions = 4, kSeeds = 3, kMetrics = 10;
    const std::int64_t steps = rows / (kConditions * kSeeds * kMetrics);

    ResultsStore store = ResultsStore::open(argv[1]);
    ExperimentRegistration e;
    e.name = "bench";
    e.specHash = "bench-0000000000";
    e.specJson = "{}";
    for (int c = 0; c < kConditions; ++c) e.conditions.push_back({"condition-" + std::to_string(c), std::nullopt, "system"});
    std::int64_t experiment = store.registerExperiment(e);
    std::vector<std::int64_t> runs;
    for (int c = 0; c < kConditions; ++c)
        for (int s = 0; s < kSeeds; ++s) runs.push_back(store.createRun(experiment, e.conditions[c].name, std::uint64_t(s)));

    // Runs log in parallel in real use; here they log one after the other, each in batches.
    std::vector<StepRecord> batch;
    auto start = Clock::now();
    std::int64_t written = 0;
    for (std::int64_t run : runs) {
        for (std::int64_t step = 0; step < steps; ++step) {
            StepRecord record{run, step, {}, {}, {}};
            for (int m = 0; m < kMetrics; ++m)
                record.metrics.push_back({m == 0 ? "train_loss" : "metric_" + std::to_string(m),
                                          std::exp(-double(step) / 500.0) + 0.01 * double(run % 7) + m});
            batch.push_back(std::move(record));
            if (int(batch.size()) == stepsPerCommit || step + 1 == steps) {
                store.writeSteps(batch);
                written += std::int64_t(batch.size()) * kMetrics;
                batch.clear();
            }
        }
    }
    double ingestSeconds = seconds(start);

    // The chart's query: one metric, every step, mean and t-interval across seeds.
    double bestQuery = 1e9;
    std::size_t points = 0;
    for (int repeat = 0; repeat < 3; ++repeat) {
        auto queryStart = Clock::now();
        auto curves = metricCurves(store, experiment, "train_loss");
        bestQuery = std::min(bestQuery, seconds(queryStart));
        points = 0;
        for (const Curve &c : curves) points += c.points.size();
    }
    std::printf("{\"rows\": %lld, \"steps_per_commit\": %d, \"ingest_seconds\": %.4f, \"rows_per_second\": %.0f, "
                "\"curve_query_seconds\": %.4f, \"curve_points\": %zu, \"store_bytes\": %lld}\n",
                (long long)written, stepsPerCommit, ingestSeconds, double(written) / ingestSeconds, bestQuery, points,
                (long long)std::filesystem::file_size(argv[1]));
    return 0;
}
