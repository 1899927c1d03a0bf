#pragma once
// `inoculab-cli report --store DB --experiment NAME --out FILE.html|.pdf`: the experiment's
// report (docs/report.md). The figures are Qt Charts, which inoculab-cli does not link (it stays
// small and starts fast), so the command runs `inoculab --report` beside it, without a window.
#include "dataset_commands.h"

namespace inoculab::cli {

void addReportCommand(CLI::App &app, CommandAction &action);

}  // namespace inoculab::cli
