#pragma once
// The numbers behind the Results charts: one snapshot of an experiment read from the store
// (loaded off the UI thread), what to chart from it, and the table of numbers a chart shows.
#include "store/elicitation_checks.h"
#include "store/results_queries.h"

#include <QString>
#include <QStringList>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace inoculab::ui::charts {

enum class ChartKind { Expression, Curves, Elicitation, Scatter };
// "expression", "curves", "elicitation", "scatter"
QString chartKindName(ChartKind kind);
std::optional<ChartKind> parseChartKind(const QString &name);

// Everything the charts of one experiment need, read in one go so that switching charts
// never queries the store on the UI thread.
struct ResultsData {
    QString experimentName;
    store::ExperimentContents contents;
    std::vector<store::TraitSummaryRow> summary;  // every context, each run's last evaluation
    // "metric:NAME", "probe:NAME" and "trait:NAME@CONTEXT" -> one curve per condition.
    std::map<QString, std::vector<store::Curve>> curves;
    // "TRAIT@CONTEXT" -> one pair per condition.
    std::map<QString, std::vector<store::ElicitationPair>> elicitation;
    // The elicitation checks of candidate prompts made before training (trained or not).
    std::vector<store::ElicitationCheck> checks;

    // Experiments side by side (combined_data.h): each condition's experiment label; empty
    // for a single experiment.
    std::map<QString, QString> groupOf;

    std::vector<QString> conditionsBaselineFirst() const;
    std::optional<QString> baseline() const;  // the first condition without a prompt
    // The baseline a condition is compared with: the first one of its own experiment.
    std::optional<QString> baselineFor(const QString &condition) const;
};

// Reads the snapshot; throws common::InputError or store::StoreError naming the store.
ResultsData loadResultsData(const QString &storePath, std::int64_t experimentId);
// By experiment name or spec hash prefix; nullopt when the store has no such experiment.
std::optional<std::int64_t> findExperimentId(const QString &storePath, const QString &nameOrHash,
                                             QStringList *known = nullptr);

struct ChartRequest {
    ChartKind kind = ChartKind::Expression;
    QString context;     // empty: every context (expression), the first one otherwise
    QStringList traits;  // empty: every trait
    // curves: "metric:train_loss", "probe:NAME" or "trait:NAME"; elicitation: the x measure,
    // "metric:train_loss" (default), "check:drop", "check:ph" or "check:trait" (elicitation_relation.h)
    QString series;
    bool bars = false;   // expression: bars instead of dots
};

// The context and traits a request resolves to against the data.
QString effectiveContext(const ResultsData &data, const ChartRequest &request);
QStringList effectiveTraits(const ResultsData &data, const ChartRequest &request);
// The curve series a request draws, and the curves for it (empty when none recorded).
QString effectiveSeries(const ResultsData &data, const ChartRequest &request);
std::vector<store::Curve> curvesFor(const ResultsData &data, const ChartRequest &request);
// Selectable curve series: metrics, probes and traits, in that order.
QStringList curveSeries(const ResultsData &data);
QString seriesLabel(const QString &series);  // "train_loss", "log-prob: caps-english", ...

// The summary rows a request covers (context and trait filters), in store order.
std::vector<store::TraitSummaryRow> expressionRows(const ResultsData &data, const ChartRequest &request);

// One cell: text, or a number shown with 3 decimals and exported at full precision.
using Cell = std::variant<QString, double>;
struct NumbersTable {
    QStringList header;
    std::vector<std::vector<Cell>> rows;
};
// Elicitation: every condition (the baseline too) with its point's numbers, and the fitted
// line's value and 95% band at the point, and x as drawn (the chosen measure), then one row per
// candidate prompt (x only). Scatter: each condition's two means and intervals.
NumbersTable numbersTable(const ResultsData &data, const ChartRequest &request);
QString cellText(const Cell &cell);  // display: numbers with 3 decimals, NaN empty
QString tableToCsv(const NumbersTable &table);
QString tableToLatex(const NumbersTable &table, const QString &caption);

}  // namespace inoculab::ui::charts
