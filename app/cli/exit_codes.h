#pragma once
#include <string>
// Exit codes of inoculab-cli, the contract scripts and the GUI rely on.
namespace inoculab::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitUsage = 1,         // bad command line: unknown option, bad option value
    kExitInvalidInput = 2,  // a file the user gave is unreadable or invalid
    kExitInternal = 3,      // a bug or an environment failure (disk full, out of memory)
    kExitCancelled = 130,   // SIGINT/SIGTERM: stopped cleanly, no partial output left
};

// Thrown for an option value CLI11 cannot check by itself (e.g. --fraction 2).
struct UsageError {
    std::string message;
};

}  // namespace inoculab::cli
