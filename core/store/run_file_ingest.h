#pragma once
// Ingesting one run's result file into the user's store. A worker on a cluster node never
// writes the user's store (SQLite's locks are unreliable on a network filesystem); it writes a
// store of its own holding its one run and publishes it by renaming it into place when the run
// is done. The user's store, on a local disk, is the single writer that copies it in.
#include "store/results_store.h"

#include <cstdint>
#include <optional>
#include <string>

namespace inoculab::store {

struct RunFileIngest {
    enum class Outcome {
        Ingested,     // copied in: the store now holds the run, done
        AlreadyDone,  // the store held the run done already; nothing changed
        Incomplete,   // not a finished run's file (half-written, damaged, not done); nothing changed
    };
    Outcome outcome = Outcome::Incomplete;
    std::string specHash, condition;
    std::uint64_t seed = 0;
    std::optional<std::uint64_t> baseSeed;  // nullopt: the experiment's one base model
    std::string reason;  // Incomplete: why, naming the file
};

// Idempotent: ingesting the same file twice is the same as once. In one transaction, so a
// reader of the store sees the whole run or none of it. A run the store has but not done
// (queued, failed, cancelled) is replaced by the file's; a done one is never touched.
RunFileIngest ingestRunFile(ResultsStore &store, const std::string &file);

}  // namespace inoculab::store
