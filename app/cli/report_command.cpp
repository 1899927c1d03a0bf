#include "report_command.h"

#include "exit_codes.h"

#include <CLI/CLI.hpp>

#include "store/results_store.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace inoculab::cli {

namespace {

// The workbench program: $INOCULAB_GUI, else `inoculab` in this program's folder.
std::string workbenchExecutable() {
    if (const char *env = std::getenv("INOCULAB_GUI"); env && *env) return env;
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("inoculab") : (self.parent_path() / "inoculab").string();
}

}  // namespace

void addReportCommand(CLI::App &app, CommandAction &action) {
    struct Args {
        std::string store = store::ResultsStore::defaultPath(), experiment, out;
    };
    auto args = std::make_shared<Args>();
    CLI::App *report = app.add_subcommand(
        "report", "Write an experiment's report: every figure, the tables, the elicitation check and provenance");
    report->add_option("--store", args->store, "Results store (SQLite)")->capture_default_str();
    report->add_option("--experiment", args->experiment, "Experiment name or spec hash prefix")->required();
    report->add_option("--out", args->out, "report.html (self-contained) or report.pdf")->required();
    report->callback([&action, args] {
        action = [args] {
            const std::string exe = workbenchExecutable();
            std::vector<std::string> argStrings{exe,      "--report", "--store", args->store, "--experiment",
                                                args->experiment, "--out", args->out};
            std::vector<char *> argv;
            for (std::string &a : argStrings) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::setenv("QT_QPA_PLATFORM", "offscreen", 0);  // no window; keeps a display the user set
            ::execv(exe.c_str(), argv.data());
            // Only reached when the program could not be started.
            std::cerr << "inoculab-cli report: cannot start " << exe << " (" << std::strerror(errno)
                      << "): the report's figures are drawn by the workbench program inoculab, installed beside "
                         "inoculab-cli (set INOCULAB_GUI to use another)\n";
            return kExitInternal;
        };
    });
}

}  // namespace inoculab::cli
