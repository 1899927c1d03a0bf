#include "store/results_queries.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace inoculab::store {

namespace {

struct RunOfCondition {
    std::int64_t runId;
    std::string condition;
    std::int64_t position;
    std::int64_t baseLabel;  // the base seed; -1 for the one base model
};

std::vector<RunOfCondition> runsOf(Database &db, std::int64_t experimentId) {
    Statement s(db,
                "SELECT r.id, c.name, c.position, coalesce(r.base_seed, -1) FROM runs r "
                "JOIN conditions c ON c.id = r.condition_id "
                "WHERE c.experiment_id = ?1 ORDER BY c.position, coalesce(r.base_seed, -1), r.seed");
    s.bind(1, experimentId);
    std::vector<RunOfCondition> out;
    while (s.step()) out.push_back({s.integer(0), s.text(1), s.integer(2), s.integer(3)});
    return out;
}

// The t-interval of per-run values, across base-model means when they come from several.
stats::Interval tAcrossRuns(const std::vector<double> &values, const std::vector<std::int64_t> &bases) {
    return stats::acrossBaseModels(values, bases, stats::IntervalMethod::T);
}

// Merges per-run series into per-condition curves. Each run's series is read in key order
// (one range of the table's primary key), so no sort over all rows is needed.
std::vector<Curve> curves(Database &db, std::int64_t experimentId, Statement &series) {
    std::vector<Curve> out;
    std::map<std::int64_t, std::pair<std::vector<double>, std::vector<std::int64_t>>> byStep;  // values, bases
    auto finish = [&] {
        for (auto &[step, values] : byStep)
            out.back().points.push_back({step, tAcrossRuns(values.first, values.second)});
        byStep.clear();
    };
    for (const RunOfCondition &run : runsOf(db, experimentId)) {
        if (out.empty() || out.back().condition != run.condition) {
            if (!out.empty()) finish();
            out.push_back({run.condition, {}});
        }
        series.bind(1, run.runId);
        while (series.step()) {
            auto &[values, bases] = byStep[series.integer(0)];
            values.push_back(series.real(1));
            bases.push_back(run.baseLabel);
        }
        series.reset();
    }
    if (!out.empty()) finish();
    return out;
}

// Judged answers that are not in the rate: undefined scores and answers dropped by another
// judged trait, counted over the same evaluations as the rows.
void countExcludedAnswers(Database &db, std::int64_t experimentId, const SummaryOptions &options,
                          std::vector<TraitSummaryRow> &rows) {
    Statement s(db, R"sql(
        WITH chosen AS (
            SELECT run_id, coalesce(?3, max(step)) AS step FROM eval_samples GROUP BY run_id
        )
        SELECT c.name, e.context, j.trait, sum(j.judge_score IS NULL), sum(j.dropped)
        FROM eval_samples e
        JOIN chosen ON chosen.run_id = e.run_id AND chosen.step = e.step
        JOIN runs r ON r.id = e.run_id
        JOIN conditions c ON c.id = r.condition_id
        JOIN judgements j ON j.sample_id = e.id
        WHERE c.experiment_id = ?1 AND (?2 IS NULL OR e.context = ?2) AND (?4 OR r.status = 'done')
        GROUP BY c.id, e.context, j.trait
    )sql");
    s.bind(1, experimentId).bind(2, options.context).bind(4, std::int64_t(options.includeUnfinished));
    if (options.step)
        s.bind(3, *options.step);
    else
        s.bind(3, std::nullopt);
    while (s.step())
        for (TraitSummaryRow &row : rows)
            if (row.condition == s.text(0) && row.context == s.text(1) && row.trait == s.text(2)) {
                row.undefined = s.integer(3);
                row.dropped = s.integer(4);
            }
}

}  // namespace

std::vector<std::int64_t> baseLabels(const std::vector<std::optional<std::uint64_t>> &baseSeeds) {
    std::vector<std::int64_t> labels;
    for (const auto &b : baseSeeds) labels.push_back(b ? static_cast<std::int64_t>(*b) : -1);
    return labels;
}

std::string runLabel(std::optional<std::uint64_t> baseSeed, std::uint64_t seed) {
    return (baseSeed ? "base " + std::to_string(*baseSeed) + " " : std::string()) + "seed " + std::to_string(seed);
}

std::vector<TraitSummaryRow> traitSummary(ResultsStore &store, std::int64_t experimentId,
                                          const SummaryOptions &options) {
    Database &db = store.database();
    // One row per (condition, context, trait, base seed, seed): that seed model's mean score and count.
    Statement s(db, R"sql(
        WITH chosen AS (
            SELECT run_id, coalesce(?3, max(step)) AS step FROM eval_samples GROUP BY run_id
        )
        SELECT c.name, e.context, ts.trait, r.seed, avg(ts.score), count(*), coalesce(t.interval, 'bootstrap'),
               r.base_seed
        FROM eval_samples e
        JOIN chosen ON chosen.run_id = e.run_id AND chosen.step = e.step
        JOIN runs r ON r.id = e.run_id
        JOIN conditions c ON c.id = r.condition_id
        JOIN trait_scores ts ON ts.sample_id = e.id
        LEFT JOIN traits t ON t.experiment_id = c.experiment_id AND t.name = ts.trait
        LEFT JOIN contexts x ON x.experiment_id = c.experiment_id AND x.name = e.context
        WHERE c.experiment_id = ?1 AND (?2 IS NULL OR e.context = ?2) AND (?4 OR r.status = 'done')
        GROUP BY c.id, e.context, ts.trait, r.base_seed, r.seed
        ORDER BY c.position, coalesce(x.position, 1e9), e.context, coalesce(t.position, 1e9), ts.trait,
                 coalesce(r.base_seed, -1), r.seed
    )sql");
    s.bind(1, experimentId).bind(2, options.context).bind(4, std::int64_t(options.includeUnfinished));
    if (options.step) s.bind(3, *options.step);
    else s.bind(3, std::nullopt);

    std::vector<TraitSummaryRow> rows;
    while (s.step()) {
        std::tuple key{s.text(0), s.text(1), s.text(2)};
        if (rows.empty() || std::tie(rows.back().condition, rows.back().context, rows.back().trait) != key) {
            TraitSummaryRow row;
            std::tie(row.condition, row.context, row.trait) = key;
            row.method = stats::parseIntervalMethod(s.text(6)).value_or(stats::IntervalMethod::Bootstrap);
            rows.push_back(std::move(row));
        }
        TraitSummaryRow &row = rows.back();
        row.seeds.push_back(static_cast<std::uint64_t>(s.integer(3)));
        row.perSeed.push_back(s.real(4));
        row.samplesPerSeed.push_back(static_cast<double>(s.integer(5)));
        row.baseSeeds.push_back(s.isNull(7) ? std::nullopt
                                            : std::optional<std::uint64_t>(static_cast<std::uint64_t>(s.integer(7))));
    }
    for (TraitSummaryRow &row : rows) {
        const std::vector<std::int64_t> bases = baseLabels(row.baseSeeds);
        row.baseModels = stats::baseModelMeans(row.perSeed, bases).size();
        row.interval =
            stats::acrossBaseModels(row.perSeed, bases, row.method, options.bootstrapSeed, row.samplesPerSeed);
    }
    if (store.schemaVersion() >= 3) countExcludedAnswers(db, experimentId, options, rows);
    return rows;
}

std::vector<Curve> metricCurves(ResultsStore &store, std::int64_t experimentId, const std::string &metric) {
    Database &db = store.database();
    Statement series(db,
                     "SELECT step, value FROM metrics WHERE run_id = ?1 AND "
                     "name_id = (SELECT id FROM metric_names WHERE name = ?2) ORDER BY step");
    series.bind(2, metric);
    return curves(db, experimentId, series);
}

std::vector<Curve> probeCurves(ResultsStore &store, std::int64_t experimentId, const std::string &probe) {
    Database &db = store.database();
    Statement series(db, "SELECT step, logprob FROM probe_logprobs WHERE run_id = ?1 AND probe = ?2 ORDER BY step");
    series.bind(2, probe);
    return curves(db, experimentId, series);
}

std::vector<ElicitationPair> elicitationPairs(ResultsStore &store, std::int64_t experimentId,
                                              const std::string &trait, const std::string &context,
                                              const std::string &elicitationMetric) {
    Database &db = store.database();
    // Each run's value at its first recorded step, grouped by condition.
    Statement first(db, R"sql(
        SELECT c.name, m.value, coalesce(r.base_seed, -1) FROM metrics m
        JOIN runs r ON r.id = m.run_id
        JOIN conditions c ON c.id = r.condition_id
        WHERE c.experiment_id = ?1 AND r.status = 'done'
          AND m.name_id = (SELECT id FROM metric_names WHERE name = ?2)
          AND m.step = (SELECT min(step) FROM metrics WHERE run_id = m.run_id AND name_id = m.name_id)
        ORDER BY c.position, coalesce(r.base_seed, -1), r.seed
    )sql");
    first.bind(1, experimentId).bind(2, elicitationMetric);
    std::map<std::string, std::pair<std::vector<double>, std::vector<std::int64_t>>> initial;  // values, bases
    while (first.step()) {
        auto &[values, bases] = initial[first.text(0)];
        values.push_back(first.real(1));
        bases.push_back(first.integer(2));
    }

    SummaryOptions options;
    options.context = context;
    std::vector<ElicitationPair> pairs;
    for (const TraitSummaryRow &row : traitSummary(store, experimentId, options)) {
        if (row.trait != trait) continue;
        auto it = initial.find(row.condition);
        if (it == initial.end()) continue;
        pairs.push_back({row.condition, tAcrossRuns(it->second.first, it->second.second), row.interval});
    }
    return pairs;
}

ExperimentContents experimentContents(ResultsStore &store, std::int64_t experimentId) {
    Database &db = store.database();
    ExperimentContents out;
    auto strings = [&](const char *sql, std::vector<std::string> &into) {
        Statement s(db, sql);
        s.bind(1, experimentId);
        while (s.step()) into.push_back(s.text(0));
    };
    {
        Statement s(db, "SELECT name, prompt FROM conditions WHERE experiment_id = ?1 ORDER BY position");
        s.bind(1, experimentId);
        while (s.step())
            out.conditions.push_back({s.text(0), s.isNull(1), false,
                                      s.isNull(1) ? std::nullopt : std::optional<std::string>(s.text(1))});
    }
    {
        // Controls are a property of the spec the store keeps whole, not a column of their own.
        Statement s(db, "SELECT spec_json FROM experiments WHERE id = ?1");
        s.bind(1, experimentId);
        if (s.step()) {
            const nlohmann::json spec = nlohmann::json::parse(s.text(0), nullptr, false);
            if (spec.is_object() && spec.contains("conditions") && spec["conditions"].is_array())
                for (const nlohmann::json &c : spec["conditions"])
                    if (c.is_object() && c.value("control", false) && c.contains("name") && c["name"].is_string())
                        for (auto &condition : out.conditions)
                            if (condition.name == c["name"].get<std::string>()) condition.control = true;
        }
    }
    strings("SELECT name FROM contexts WHERE experiment_id = ?1 ORDER BY position", out.contexts);
    strings("SELECT name FROM traits WHERE experiment_id = ?1 ORDER BY position", out.traits);
    strings(
        "SELECT DISTINCT n.name FROM metric_names n WHERE n.id IN (SELECT m.name_id FROM metrics m "
        "JOIN runs r ON r.id = m.run_id JOIN conditions c ON c.id = r.condition_id WHERE c.experiment_id = ?1) "
        "ORDER BY n.name",
        out.metrics);
    strings(
        "SELECT DISTINCT p.probe FROM probe_logprobs p JOIN runs r ON r.id = p.run_id "
        "JOIN conditions c ON c.id = r.condition_id WHERE c.experiment_id = ?1 ORDER BY p.probe",
        out.probes);
    Statement steps(db,
                    "SELECT DISTINCT e.step FROM eval_samples e JOIN runs r ON r.id = e.run_id "
                    "JOIN conditions c ON c.id = r.condition_id WHERE c.experiment_id = ?1 AND r.status = 'done' "
                    "ORDER BY e.step");
    steps.bind(1, experimentId);
    while (steps.step()) out.evaluatedSteps.push_back(steps.integer(0));
    return out;
}

std::vector<Curve> traitCurves(ResultsStore &store, std::int64_t experimentId, const std::string &trait,
                               const std::string &context) {
    std::vector<Curve> out;
    SummaryOptions options;
    options.context = context;
    for (std::int64_t step : experimentContents(store, experimentId).evaluatedSteps) {
        options.step = step;
        for (TraitSummaryRow &row : traitSummary(store, experimentId, options)) {
            if (row.trait != trait) continue;
            auto it =
                std::find_if(out.begin(), out.end(), [&](const Curve &c) { return c.condition == row.condition; });
            if (it == out.end()) it = out.insert(out.end(), Curve{row.condition, {}});
            it->points.push_back({step, row.interval});
        }
    }
    // Conditions first seen at a later step would otherwise come after those seen earlier.
    std::vector<Curve> ordered;
    for (const auto &c : experimentContents(store, experimentId).conditions)
        for (Curve &curve : out)
            if (curve.condition == c.name) ordered.push_back(std::move(curve));
    return ordered;
}

}  // namespace inoculab::store
