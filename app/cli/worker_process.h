#pragma once
// A running `inoculab-worker` child: its stdout (JSON progress lines) comes back through a
// pipe, its stderr goes to a log file, and it can be asked to stop (SIGTERM: it checkpoints).

#include "common/progress.h"

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::cli {

// The worker executable: $INOCULAB_WORKER, else inoculab-worker beside this program.
std::string workerExecutable();

// The environment a worker with `threads` torch threads gets: one BLAS thread per torch thread,
// and OpenMP threads that sleep rather than spin between parallel regions (two pools spinning
// on the same cores slowed a 2-thread worker below a 1-thread one; docs/benchmarks.md,
// train_throughput).
std::vector<std::string> workerThreadEnv(int threads);

class WorkerProcess {
public:
    // Starts `worker args...` with extra environment entries ("NAME=value"). Throws
    // std::runtime_error when it cannot be started.
    WorkerProcess(const std::vector<std::string> &args, const std::string &logFile,
                  const std::vector<std::string> &extraEnv);
    ~WorkerProcess();
    WorkerProcess(const WorkerProcess &) = delete;
    WorkerProcess &operator=(const WorkerProcess &) = delete;

    int stdoutFd() const { return m_stdout; }
    // Reads what is available; returns complete lines. At end of output sets finishedOutput().
    std::vector<std::string> readLines();
    bool finishedOutput() const { return m_stdout < 0; }
    // Waits for the exit status once output has ended: the exit code, or 128 + signal.
    int wait();
    void terminate();  // SIGTERM
    // Reads the worker's JSON events until its output ends, each object to `onEvent`; asks it
    // to stop (SIGTERM: it checkpoints) once `cancel` is set, and then sets `stopped`. Returns
    // its exit status, as wait().
    int followEvents(const common::CancelToken &cancel, const std::function<void(nlohmann::json &)> &onEvent,
                     bool &stopped);
    const std::string &logFile() const { return m_log; }
    // The last lines of the log, for error reports.
    std::string logTail(std::size_t lines) const;

private:
    pid_t m_pid = -1;
    int m_stdout = -1;
    std::string m_buffer, m_log;
    std::optional<int> m_status;
};

}  // namespace inoculab::cli
