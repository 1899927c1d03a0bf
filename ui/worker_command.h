#pragma once
// Where the GUI finds the program it starts workers with (training jobs, the elicitation
// check): $INOCULAB_CLI, else inoculab-cli beside this program.
#include <QString>

namespace inoculab::ui {

QString inoculabCliPath();

}  // namespace inoculab::ui
