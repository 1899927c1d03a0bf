#include "report_data.h"

#include <QCoreApplication>
#include <QDateTime>

namespace inoculab::ui::report {

ReportData loadReportData(const QString &storePath, std::int64_t experimentId) {
    ReportData out;
    out.storePath = storePath;
    out.results = charts::loadResultsData(storePath, experimentId);
    store::ResultsStore s = store::ResultsStore::open(storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
    for (const store::ExperimentRecord &e : s.experiments())
        if (e.id == experimentId) out.experiment = e;
    out.runs = s.runs(experimentId);
    store::Database &db = s.database();
    {
        store::Statement q(db, R"sql(
            SELECT c.name, c.prompt, d.path, d.sha256, d.rows FROM conditions c
            LEFT JOIN datasets d ON d.id = c.dataset_id WHERE c.experiment_id = ?1 ORDER BY c.position
        )sql");
        q.bind(1, experimentId);
        while (q.step()) {
            if (!q.isNull(1)) out.conditionPrompts[q.text(0)] = q.text(1);
            if (!q.isNull(2)) out.datasets.push_back({q.text(0), q.text(2), q.text(3), q.integer(4)});
        }
    }
    out.provenance = store::runProvenance(s, experimentId);
    out.baseModelChange = store::baseModelChange(s, experimentId);
    out.checks = store::elicitationChecks(s, experimentId);
    out.generatedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    out.generatorVersion = QCoreApplication::applicationVersion();
    return out;
}

}  // namespace inoculab::ui::report
