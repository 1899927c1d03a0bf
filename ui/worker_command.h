#pragma once
// Where the GUI finds the program it starts workers with (training jobs, the elicitation
// check): $INOCULAB_CLI, else inoculab-cli beside this program, and the environment it gets.
#include <QProcessEnvironment>
#include <QString>

namespace inoculab::ui {

QString inoculabCliPath();

// This process's environment for a worker with `threads` torch threads: as many BLAS and
// OpenMP threads, idle ones sleeping rather than spinning (docs/benchmarks.md,
// train_throughput); `experiment run` gives its workers the same.
QProcessEnvironment workerEnvironment(int threads);

}  // namespace inoculab::ui
