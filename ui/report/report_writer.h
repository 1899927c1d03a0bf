#pragma once
// Writes an experiment's report (docs/report.md): .html (self-contained, figures inline as SVG)
// or .pdf (the same content laid out on A4 pages by Qt's rich text, figures painted as vector
// paths). The GUI's File > Export Report and the headless `inoculab --report` (which
// `inoculab-cli report` runs) share it.
#include <QString>

#include <cstdint>

class QTextStream;

namespace inoculab::ui::report {

// The file is replaced only once complete. On failure returns false with `error` naming the
// file or store and the reason.
bool writeReport(const QString &storePath, std::int64_t experimentId, const QString &out, QString *error);

// `inoculab --report --store DB --experiment NAME --out FILE.html|.pdf`, with inoculab-cli's exit
// codes (it runs this): 0 on success, 1 for a missing option or a file type other than .html or
// .pdf, 2 for a store that cannot be read or an experiment it lacks, 3 when the store's data
// cannot be loaded or the file cannot be written.
int runHeadlessReport(const QString &store, const QString &experiment, const QString &out, QTextStream &err);

}  // namespace inoculab::ui::report
