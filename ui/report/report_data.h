#pragma once
// Everything an experiment's report shows (docs/report.md), read from the store in one go:
// the charts' snapshot, the experiment's spec, its runs with their provenance, the datasets it
// trained on and the elicitation checks of its candidate prompts.
#include "charts/chart_data.h"

#include "store/elicitation_checks.h"
#include "store/results_store.h"
#include "store/run_provenance.h"

#include <QString>

#include <optional>
#include <vector>

namespace inoculab::ui::report {

struct ReportData {
    QString storePath;
    store::ExperimentRecord experiment;
    charts::ResultsData results;
    std::vector<store::RunRecord> runs;
    std::vector<store::StoredRunProvenance> provenance;
    std::optional<store::BaseModelChange> baseModelChange;
    std::vector<store::ElicitationCheck> checks;
    struct Dataset {
        std::string condition, path, sha256;
        std::int64_t rows = 0;
    };
    std::vector<Dataset> datasets;  // per condition, where the store links one
    std::map<std::string, std::string> conditionPrompts;  // condition -> prompt; a baseline has none
    QString generatedAt;        // UTC, ISO 8601
    QString generatorVersion;   // the Inoculab that wrote the report
};

// Throws common::InputError or store::StoreError naming the store.
ReportData loadReportData(const QString &storePath, std::int64_t experimentId);

}  // namespace inoculab::ui::report
