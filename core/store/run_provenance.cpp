#include "store/run_provenance.h"

#include <algorithm>

namespace inoculab::store {

void recordRunProvenance(ResultsStore &store, std::int64_t runId, const RunProvenance &p) {
    store.database()
        .prepare(
            "INSERT OR REPLACE INTO run_provenance (run_id, base_model, base_model_sha256, inoculab_version, "
            "torch_version, host) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, runId)
        .bind(2, p.baseModel)
        .bind(3, p.baseModelSha256)
        .bind(4, p.inoculabVersion)
        .bind(5, p.torchVersion)
        .bind(6, p.host)
        .run();
}

std::vector<StoredRunProvenance> runProvenance(ResultsStore &store, std::int64_t experimentId) {
    Statement s(store.database(), R"sql(
        SELECT r.id, c.name, r.seed, r.status, p.base_model, p.base_model_sha256, p.inoculab_version,
               p.torch_version, p.host, p.recorded_at
        FROM run_provenance p JOIN runs r ON r.id = p.run_id JOIN conditions c ON c.id = r.condition_id
        WHERE c.experiment_id = ?1 ORDER BY c.position, r.seed
    )sql");
    s.bind(1, experimentId);
    std::vector<StoredRunProvenance> out;
    while (s.step()) {
        StoredRunProvenance r;
        r.runId = s.integer(0);
        r.condition = s.text(1);
        r.seed = static_cast<std::uint64_t>(s.integer(2));
        r.status = parseRunStatus(s.text(3)).value_or(RunStatus::Queued);
        r.provenance = {s.text(4), s.text(5), s.text(6), s.text(7), s.text(8)};
        r.recordedAt = s.text(9);
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<BaseModelChange> baseModelChange(ResultsStore &store, std::int64_t experimentId) {
    BaseModelChange change;
    for (const StoredRunProvenance &r : runProvenance(store, experimentId)) {
        if (r.status != RunStatus::Done) continue;
        auto it = std::find_if(change.uses.begin(), change.uses.end(),
                               [&](const BaseModelChange::Use &u) { return u.sha256 == r.provenance.baseModelSha256; });
        if (it == change.uses.end())
            change.uses.push_back({r.provenance.baseModelSha256, r.provenance.baseModel, 1});
        else
            ++it->runs;
    }
    if (change.uses.size() < 2) return std::nullopt;
    std::stable_sort(change.uses.begin(), change.uses.end(),
                     [](const BaseModelChange::Use &a, const BaseModelChange::Use &b) { return a.runs > b.runs; });
    return change;
}

std::string BaseModelChange::message() const {
    std::string text = "the base model changed under this experiment: its finished runs trained on " +
                       std::to_string(uses.size()) + " different weights (";
    for (std::size_t i = 0; i < uses.size(); ++i) {
        if (i) text += "; ";
        text += std::to_string(uses[i].runs) + (uses[i].runs == 1 ? " run on " : " runs on ") +
                uses[i].sha256.substr(0, 12) + " (" + uses[i].baseModel + ")";
    }
    return text + "), so its results compare models of different bases";
}

}  // namespace inoculab::store
