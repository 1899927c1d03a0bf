#include "system_commands.h"

#include "exit_codes.h"
#include "worker_process.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

namespace inoculab::cli {

void addSystemCommands(CLI::App &app, CommandAction &action) {
    CLI::App *system = app.add_subcommand("system", "This installation: libtorch, CUDA, GPUs, BLAS, threads");
    system->require_subcommand(1);
    CLI::App *info = system->add_subcommand(
        "info", "What training runs on here, and why a run would be on the CPU (computed by inoculab-worker)");
    auto json = std::make_shared<bool>(false);
    info->add_flag("--json", *json, "One JSON document on stdout");
    info->callback([&action, json] {
        action = [json] {
            std::string exe = workerExecutable();
            std::string format = *json ? "json" : "text";
            std::vector<char *> args{exe.data(), const_cast<char *>("--system-info"), format.data(), nullptr};
            ::execv(exe.c_str(), args.data());
            std::cerr << "inoculab-cli: cannot start " << exe << ": " << std::strerror(errno) << '\n';
            return static_cast<int>(kExitInternal);
        };
    });
}

}  // namespace inoculab::cli
