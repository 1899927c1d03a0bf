#pragma once
// Running a program (no shell: each argument reaches it as is) and keeping what it printed.
// For the short client commands of a scheduler (sbatch, squeue, scontrol, scancel, sacct).
#include <string>
#include <vector>

namespace inoculab::common {

struct CommandResult {
    int exitCode = -1;  // the exit status, or 128 + the signal that ended it
    std::string out, err;
};

// argv[0] is looked up on PATH. Throws std::runtime_error when it cannot be started (not
// installed), naming it.
CommandResult runCommand(const std::vector<std::string> &argv);

}  // namespace inoculab::common
