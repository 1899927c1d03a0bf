// inoculab-cli: the headless front end. Dataset tools run here; later the experiment runner
// and the training worker join. Exit codes are in exit_codes.h.
#include "dataset_commands.h"
#include "exit_codes.h"
#include "experiment_commands.h"
#include "experiment_run.h"
#include "model_info.h"
#include "model_tokenize.h"
#include "report_command.h"
#include "results_commands.h"
#include "system_commands.h"
#include "toyworld_commands.h"

#include "common/input_error.h"
#include "store/sqlite_db.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <new>

namespace {

inoculab::common::CancelToken g_cancel;

// SIGINT/SIGTERM cancel the running command at its next checkpoint, so that destructors
// run and no temporary output file is left behind. std::atomic<bool> is lock-free, hence
// safe to store from a signal handler.
extern "C" void onStopSignal(int) { g_cancel.cancel(); }

}  // namespace

int main(int argc, char **argv) {
    using namespace inoculab;
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);

    CLI::App app{"Inoculab: inoculation prompting research workbench (command line)", "inoculab-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version",
                         std::string("inoculab-cli ") + INOCULAB_VERSION + " (built against " INOCULAB_TORCH_BUILD ")");
    cli::CommandAction action;
    cli::addDatasetCommands(app, action, g_cancel);
    cli::addExperimentCommands(app, action, g_cancel);
    cli::addWorkerCommand(app, action, argc, argv);
    cli::addResultsCommands(app, action);
    cli::addReportCommand(app, action);
    cli::addToyworldCommands(app, action, g_cancel);
    cli::addSystemCommands(app, action);
    CLI::App *modelCommand =
        app.add_subcommand("model", "Inspect Hugging Face model folders, safetensors files and tokenizers");
    modelCommand->require_subcommand(1);
    cli::addModelInfoCommand(*modelCommand, action);
    cli::addModelTokenizeCommand(*modelCommand, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        int code = app.exit(e);  // prints help, version or the error with a usage hint
        return code == 0 ? cli::kExitOk : cli::kExitUsage;
    }
    try {
        return action ? action() : cli::kExitUsage;
    } catch (const cli::UsageError &e) {
        std::cerr << "inoculab-cli: " << e.message << '\n';
        return cli::kExitUsage;
    } catch (const common::InputError &e) {
        std::cerr << e.what() << '\n';
        return cli::kExitInvalidInput;
    } catch (const common::Cancelled &) {
        std::cerr << "inoculab-cli: cancelled\n";
        return cli::kExitCancelled;
    } catch (const store::StoreError &e) {
        std::cerr << "inoculab-cli: results store: " << e.what() << '\n';
        return cli::kExitInternal;
    } catch (const std::bad_alloc &) {
        std::cerr << "inoculab-cli: out of memory\n";
        return cli::kExitInternal;
    } catch (const std::exception &e) {
        std::cerr << "inoculab-cli: internal error: " << e.what() << '\n';
        return cli::kExitInternal;
    }
}
