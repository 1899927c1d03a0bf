#include "store/run_history.h"

namespace inoculab::store {

std::map<std::int64_t, RunHistory> runHistories(ResultsStore &store, std::int64_t experimentId) {
    // One statement for all runs; each subquery walks the (run_id, name_id, step) key.
    Statement query(store.database(), R"sql(
        WITH loss AS (SELECT id FROM metric_names WHERE name = 'train_loss'),
             speed AS (SELECT id FROM metric_names WHERE name = 'tokens_per_s')
        SELECT r.id,
               (SELECT m.step FROM metrics m WHERE m.run_id = r.id AND m.name_id = (SELECT id FROM loss)
                ORDER BY m.step DESC LIMIT 1),
               (SELECT m.value FROM metrics m WHERE m.run_id = r.id AND m.name_id = (SELECT id FROM loss)
                ORDER BY m.step DESC LIMIT 1),
               (SELECT avg(m.value) FROM metrics m WHERE m.run_id = r.id AND m.name_id = (SELECT id FROM speed)),
               (julianday(r.finished_at) - julianday(r.started_at)) * 86400.0,
               (SELECT count(DISTINCT e.step) FROM eval_samples e WHERE e.run_id = r.id)
        FROM runs r JOIN conditions c ON c.id = r.condition_id
        WHERE c.experiment_id = ?1
    )sql");
    query.bind(1, experimentId);
    std::map<std::int64_t, RunHistory> out;
    while (query.step()) {
        RunHistory h;
        if (!query.isNull(1) && !query.isNull(2)) h.lastLoss = std::make_pair(query.integer(1), query.real(2));
        if (!query.isNull(3)) h.tokensPerSecond = query.real(3);
        // Clocks are the machines' own: a negative span (a clock set back) says nothing.
        if (!query.isNull(4) && query.real(4) >= 0) h.seconds = query.real(4);
        h.evaluatedSteps = query.integer(5);
        out[query.integer(0)] = h;
    }
    return out;
}

std::vector<std::pair<std::int64_t, double>> runMetricSeries(ResultsStore &store, std::int64_t runId,
                                                             const std::string &metric) {
    Statement series(store.database(),
                     "SELECT step, value FROM metrics WHERE run_id = ?1 AND "
                     "name_id = (SELECT id FROM metric_names WHERE name = ?2) ORDER BY step");
    series.bind(1, runId).bind(2, metric);
    std::vector<std::pair<std::int64_t, double>> out;
    while (series.step()) out.emplace_back(series.integer(0), series.real(1));
    return out;
}

}  // namespace inoculab::store
