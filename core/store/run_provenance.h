#pragma once
// What each run was trained with (run_provenance): the base model and a content hash of its
// weights, the Inoculab and libtorch versions and the host. The hash is how a finished
// experiment notices that its base model's weights changed under it: runs of one experiment
// that trained on different weights are said by baseModelChange(), in reports and summaries.
#include "store/results_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::store {

struct RunProvenance {
    std::string baseModel;        // "toy world base model ..." or a Hugging Face folder
    std::string baseModelSha256;  // experiment::contentHash of the weight files
    std::string inoculabVersion;
    std::string torchVersion;
    std::string host;
};

// Replaces what an earlier attempt of the run recorded: a resumed run says what finished it.
void recordRunProvenance(ResultsStore &store, std::int64_t runId, const RunProvenance &provenance);

struct StoredRunProvenance {
    std::int64_t runId = 0;
    std::string condition;
    std::uint64_t seed = 0;
    RunStatus status = RunStatus::Queued;
    RunProvenance provenance;
    std::string recordedAt;
};
// Every run of the experiment that recorded its provenance, in spec order of conditions, then seed.
std::vector<StoredRunProvenance> runProvenance(ResultsStore &store, std::int64_t experimentId);

// The base model weights the experiment's finished runs trained on, when they are not all the
// same: each distinct hash with how many finished runs used it, most used first. nullopt when
// every finished run (or none) used one.
struct BaseModelChange {
    struct Use {
        std::string sha256;
        std::string baseModel;
        int runs = 0;
    };
    std::vector<Use> uses;
    std::string message() const;  // "the base model changed under this experiment: ..."
};
std::optional<BaseModelChange> baseModelChange(ResultsStore &store, std::int64_t experimentId);

}  // namespace inoculab::store
