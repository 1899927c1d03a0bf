// The writer half of test_store_concurrency: a separate process that writes steps into a
// store the test reads at the same time, as a training worker does beside the GUI.
// usage: store_writer_child STORE RUN_ID STEPS METRICS_PER_STEP
// Prints one JSON line with the slowest commit, so a blocked writer would show.
#include "store/results_store.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s STORE RUN_ID STEPS METRICS_PER_STEP\n", argv[0]);
        return 1;
    }
    using namespace inoculab::store;
    try {
        ResultsStore store = ResultsStore::open(argv[1]);
        std::int64_t run = std::atoll(argv[2]);
        int steps = std::atoi(argv[3]), metrics = std::atoi(argv[4]);
        double slowestMs = 0;
        for (int step = 0; step < steps; ++step) {
            // Every row of step s has value s, and each step has exactly `metrics` metrics and
            // 3 samples with 2 scores each: a reader can tell a partial step.
            StepRecord record{run, step, {}, {}, {}};
            for (int m = 0; m < metrics; ++m) record.metrics.push_back({"metric_" + std::to_string(m), double(step)});
            for (int q = 0; q < 3; ++q)
                record.samples.push_back({"none", q, "q", 0, "r", {{"spanish", double(step)}, {"all_caps", double(step)}}});
            auto start = std::chrono::steady_clock::now();
            store.writeSteps({&record, 1});
            double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (ms > slowestMs) slowestMs = ms;
        }
        std::printf("{\"steps\":%d,\"slowest_commit_ms\":%.3f}\n", steps, slowestMs);
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "writer failed: %s\n", e.what());
        return 2;
    }
}
