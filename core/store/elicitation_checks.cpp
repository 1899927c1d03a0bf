#include "store/elicitation_checks.h"

#include <cmath>
#include <limits>

namespace inoculab::store {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// SQLite keeps NaN as NULL; read it back as NaN.
double realOrNaN(const Statement &s, int column) { return s.isNull(column) ? kNaN : s.real(column); }

}  // namespace

void writeElicitationCheck(ResultsStore &store, std::int64_t experimentId, const ElicitationCheck &c) {
    Statement s = store.database().prepare(R"sql(
        INSERT INTO elicitation_checks (experiment_id, prompt, rows, tokens, loss_without, loss_with,
            change_mean, change_low, change_high, share_positive, share_low, share_high, spread, spread_low,
            spread_high, traits_json, base_model, base_model_sha256)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
        ON CONFLICT (experiment_id, prompt, rows, base_model_sha256) DO UPDATE SET
            tokens = excluded.tokens, loss_without = excluded.loss_without, loss_with = excluded.loss_with,
            change_mean = excluded.change_mean, change_low = excluded.change_low, change_high = excluded.change_high,
            share_positive = excluded.share_positive, share_low = excluded.share_low, share_high = excluded.share_high,
            spread = excluded.spread, spread_low = excluded.spread_low, spread_high = excluded.spread_high,
            traits_json = excluded.traits_json, base_model = excluded.base_model,
            checked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    )sql");
    s.bind(1, experimentId).bind(2, c.prompt).bind(3, c.rows).bind(4, c.tokens).bind(5, c.lossWithout).bind(6, c.lossWith);
    int column = 7;  // mean, low, high of each interval in turn
    for (const stats::Interval &i : {c.meanChange, c.sharePositive, c.spread}) {
        s.bind(column, i.mean).bind(column + 1, i.low).bind(column + 2, i.high);
        column += 3;
    }
    s.bind(16, c.traitsJson).bind(17, c.baseModel).bind(18, c.baseModelSha256);
    s.run();
}

std::vector<ElicitationCheck> elicitationChecks(ResultsStore &store, std::int64_t experimentId) {
    // The newest check per prompt (a re-check keeps its row and id, with a new checked_at),
    // listed in the order the prompts were first checked.
    Statement s(store.database(), R"sql(
        SELECT prompt, rows, tokens, loss_without, loss_with, change_mean, change_low, change_high,
               share_positive, share_low, share_high, spread, spread_low, spread_high, traits_json,
               base_model, base_model_sha256, checked_at
        FROM elicitation_checks e
        WHERE experiment_id = ?1
          AND id = (SELECT id FROM elicitation_checks WHERE experiment_id = e.experiment_id AND prompt = e.prompt
                    ORDER BY checked_at DESC, id DESC LIMIT 1)
        ORDER BY (SELECT min(id) FROM elicitation_checks WHERE experiment_id = e.experiment_id AND prompt = e.prompt)
    )sql");
    s.bind(1, experimentId);
    std::vector<ElicitationCheck> out;
    while (s.step()) {
        ElicitationCheck c;
        c.prompt = s.text(0);
        c.rows = s.integer(1);
        c.tokens = s.integer(2);
        c.lossWithout = s.real(3);
        c.lossWith = s.real(4);
        const auto rows = static_cast<std::size_t>(c.rows);
        c.meanChange = {realOrNaN(s, 5), realOrNaN(s, 6), realOrNaN(s, 7), rows};
        c.sharePositive = {realOrNaN(s, 8), realOrNaN(s, 9), realOrNaN(s, 10), rows};
        c.spread = {realOrNaN(s, 11), realOrNaN(s, 12), realOrNaN(s, 13), rows};
        c.traitsJson = s.text(14);
        c.baseModel = s.text(15);
        c.baseModelSha256 = s.text(16);
        c.checkedAt = s.text(17);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace inoculab::store
