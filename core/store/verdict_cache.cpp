#include "store/verdict_cache.h"

namespace inoculab::store {

std::optional<StoredVerdict> findVerdict(ResultsStore &store, const VerdictKey &key) {
    Statement s(store.database(),
                "SELECT template_sha256, prompt, distribution FROM judge_verdicts "
                "WHERE judge = ?1 AND mode = ?2 AND prompt_sha256 = ?3");
    s.bind(1, key.judge).bind(2, key.mode).bind(3, key.promptSha256);
    if (!s.step()) return std::nullopt;
    return StoredVerdict{key, s.text(0), s.text(1), s.text(2)};
}

void storeVerdicts(ResultsStore &store, std::span<const StoredVerdict> verdicts) {
    if (verdicts.empty()) return;
    Database &db = store.database();
    Transaction transaction(db);
    Statement insert(db,
                     "INSERT OR REPLACE INTO judge_verdicts (judge, mode, prompt_sha256, template_sha256, prompt, "
                     "distribution) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const StoredVerdict &v : verdicts)
        insert.bind(1, v.key.judge)
            .bind(2, v.key.mode)
            .bind(3, v.key.promptSha256)
            .bind(4, v.templateSha256)
            .bind(5, v.prompt)
            .bind(6, v.distributionJson)
            .run();
    transaction.commit();
}

std::int64_t verdictCount(ResultsStore &store) {
    Statement s(store.database(), "SELECT count(*) FROM judge_verdicts");
    s.step();
    return s.integer(0);
}

}  // namespace inoculab::store
