#include "store/sample_queries.h"

#include <map>
#include <unordered_map>

namespace inoculab::store {

namespace {

// The filter as SQL parameters ?2.. (NULL: no filter), shared by the samples and scores queries.
constexpr const char *kFilteredSamples = R"sql(
    SELECT e.id, c.name, r.seed, e.step, e.context, e.question_index, e.sample_index, e.question, e.response
    FROM eval_samples e
    JOIN runs r ON r.id = e.run_id
    JOIN conditions c ON c.id = r.condition_id
    LEFT JOIN contexts x ON x.experiment_id = c.experiment_id AND x.name = e.context
    WHERE c.experiment_id = ?1 AND (?2 IS NULL OR c.name = ?2) AND (?3 IS NULL OR e.context = ?3)
      AND (?4 IS NULL OR r.seed = ?4) AND (?5 IS NULL OR e.step = ?5)
      AND (?6 IS NULL OR instr(e.question, ?6) > 0 OR instr(e.response, ?6) > 0)
      AND (?9 IS NULL OR EXISTS (SELECT 1 FROM trait_scores ts WHERE ts.sample_id = e.id AND ts.trait = ?9
                                 AND ts.score BETWEEN ?10 AND ?11))
    ORDER BY c.position, r.seed, e.step, coalesce(x.position, 1e9), e.context, e.question_index, e.sample_index
    LIMIT ?7 OFFSET ?8
)sql";

void bindFilter(Statement &s, std::int64_t experimentId, const SampleFilter &f) {
    s.bind(1, experimentId).bind(2, f.condition).bind(3, f.context);
    if (f.seed)
        s.bindInt(4, *f.seed);
    else
        s.bind(4, std::nullopt);
    if (f.step)
        s.bind(5, *f.step);
    else
        s.bind(5, std::nullopt);
    s.bind(6, f.text).bind(7, f.limit).bind(8, f.offset).bind(9, f.scoreTrait).bind(10, f.minScore).bind(11, f.maxScore);
}

}  // namespace

std::vector<SampleRow> evaluationSamples(ResultsStore &store, std::int64_t experimentId, const SampleFilter &filter) {
    Database &db = store.database();
    std::vector<std::string> traits;
    {
        Statement t(db, "SELECT name FROM traits WHERE experiment_id = ?1 ORDER BY position");
        t.bind(1, experimentId);
        while (t.step()) traits.push_back(t.text(0));
    }
    std::vector<SampleRow> rows;
    std::unordered_map<std::int64_t, std::size_t> rowOf;
    Statement s(db, kFilteredSamples);
    bindFilter(s, experimentId, filter);
    while (s.step()) {
        SampleRow row;
        row.id = s.integer(0);
        row.condition = s.text(1);
        row.seed = static_cast<std::uint64_t>(s.integer(2));
        row.step = s.integer(3);
        row.context = s.text(4);
        row.questionIndex = s.integer(5);
        row.sampleIndex = s.integer(6);
        row.question = s.text(7);
        row.answer = s.text(8);
        for (const std::string &trait : traits) row.scores.push_back({trait});
        rowOf.emplace(row.id, rows.size());
        rows.push_back(std::move(row));
    }
    if (rows.empty()) return rows;
    auto scoreOf = [&](std::int64_t sampleId, const std::string &trait) -> SampleScore * {
        auto it = rowOf.find(sampleId);
        if (it == rowOf.end()) return nullptr;
        for (SampleScore &score : rows[it->second].scores)
            if (score.trait == trait) return &score;
        return nullptr;
    };
    const std::string ids = std::string("SELECT id FROM (") + kFilteredSamples + ")";
    Statement values(db, "SELECT sample_id, trait, score FROM trait_scores WHERE sample_id IN (" + ids + ")");
    bindFilter(values, experimentId, filter);
    while (values.step())
        if (SampleScore *score = scoreOf(values.integer(0), values.text(1))) score->value = values.real(2);
    if (store.schemaVersion() >= 3) {  // a store from before judges, opened read-only, has no judgements
        Statement judged(db,
                         "SELECT sample_id, trait, judge_score, judge_mass, dropped, judge, mode, prompt_sha256 "
                         "FROM judgements WHERE sample_id IN (" + ids + ")");
        bindFilter(judged, experimentId, filter);
        while (judged.step()) {
            SampleScore *score = scoreOf(judged.integer(0), judged.text(1));
            if (!score) continue;
            score->judged = true;
            if (!judged.isNull(2)) score->judgeScore = judged.real(2);
            score->judgeMass = judged.real(3);
            score->dropped = judged.integer(4) != 0;
            score->judge = judged.text(5);
            score->mode = judged.text(6);
            score->promptSha256 = judged.text(7);
        }
    }
    return rows;
}

std::optional<VerdictText> verdictFor(ResultsStore &store, const SampleScore &score) {
    if (!score.judged || store.schemaVersion() < 3) return std::nullopt;
    Statement s(store.database(),
                "SELECT prompt, distribution FROM judge_verdicts WHERE judge = ?1 AND mode = ?2 AND prompt_sha256 = ?3");
    s.bind(1, score.judge).bind(2, score.mode).bind(3, score.promptSha256);
    if (!s.step()) return std::nullopt;
    return VerdictText{s.text(0), s.text(1)};
}

}  // namespace inoculab::store
