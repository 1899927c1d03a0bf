#include "experiment/worker_job.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "common/text_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace inoculab::experiment {

namespace {

using nlohmann::json;

struct Reader {
    const json &doc;
    const std::string &file;

    [[noreturn]] void fail(const std::string &key, const std::string &reason) const {
        throw common::InputError(file, 0, key + ": " + reason);
    }
    std::string string(const char *key, bool required) const {
        if (!doc.contains(key)) {
            if (required) fail(key, "required key is missing");
            return {};
        }
        if (!doc[key].is_string() || (required && doc[key].get<std::string>().empty()))
            fail(key, "expected a non-empty string");
        return doc[key].get<std::string>();
    }
    std::uint64_t unsignedInt(const char *key, std::uint64_t fallback, bool required) const {
        if (!doc.contains(key)) {
            if (required) fail(key, "required key is missing");
            return fallback;
        }
        if (!doc[key].is_number_unsigned()) fail(key, "expected a non-negative integer");
        return doc[key].get<std::uint64_t>();
    }
};

}  // namespace

std::string_view jobKindName(JobKind kind) {
    switch (kind) {
        case JobKind::Pretrain: return "pretrain";
        case JobKind::Finetune: return "finetune";
        case JobKind::Elicit: return "elicit";
        case JobKind::Estimate: return "estimate";
    }
    return "finetune";
}

WorkerJob workerJobFromJson(const json &doc, const std::string &file) {
    if (!doc.is_object()) throw common::InputError(file, 0, "expected a JSON object");
    static const char *known[] = {
        "kind",      "spec",    "spec_hash", "store", "condition",         "seed", "cache", "device",
        "toy_world", "threads", "prompts",   "rows",  "checkpoint_seconds", "rejudge", "traits", "questions", "result_file",
        "base_seed"};
    for (const auto &item : doc.items()) {
        bool ok = false;
        for (const char *k : known) ok = ok || item.key() == k;
        if (!ok) throw common::InputError(file, 0, item.key() + ": unknown key");
    }
    Reader r{doc, file};
    WorkerJob job;
    std::string kind = r.string("kind", true);
    if (kind == "pretrain")
        job.kind = JobKind::Pretrain;
    else if (kind == "finetune")
        job.kind = JobKind::Finetune;
    else if (kind == "elicit")
        job.kind = JobKind::Elicit;
    else if (kind == "estimate")
        job.kind = JobKind::Estimate;
    else
        r.fail("kind", "expected one of pretrain, finetune, elicit, estimate");
    job.spec = r.string("spec", true);
    job.specHash = r.string("spec_hash", false);
    job.cache = r.string("cache", true);
    job.toyWorldDir = r.string("toy_world", false);
    bool finetune = job.kind == JobKind::Finetune;
    job.resultFile = r.string("result_file", false);
    if (!job.resultFile.empty() && !finetune) r.fail("result_file", "only finetune jobs take it");
    if (!job.resultFile.empty() && doc.contains("store")) r.fail("result_file", "not with store: a run writes one of them");
    job.store = r.string("store", finetune && job.resultFile.empty());
    job.condition = r.string("condition", finetune);
    job.seed = r.unsignedInt("seed", 0, finetune);
    if (doc.contains("base_seed")) job.baseSeed = r.unsignedInt("base_seed", 0, true);
    job.threads = static_cast<int>(r.unsignedInt("threads", 0, false));
    if (job.kind == JobKind::Elicit) {
        if (!doc.contains("prompts")) r.fail("prompts", "required key is missing");
        const json &prompts = doc["prompts"];
        if (!prompts.is_array() || prompts.empty()) r.fail("prompts", "expected a non-empty array of prompts");
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            if (!prompts[i].is_string() || prompts[i].get<std::string>().empty())
                r.fail("prompts[" + std::to_string(i) + "]", "expected a non-empty string");
            job.prompts.push_back(prompts[i].get<std::string>());
        }
        job.rows = r.unsignedInt("rows", 64, false);
        if (job.rows == 0 || job.rows > 100000) r.fail("rows", "expected 1 to 100000");
        if (doc.contains("traits")) {
            if (!doc["traits"].is_boolean()) r.fail("traits", "expected true or false");
            job.traits = doc["traits"].get<bool>();
        }
        job.questions = r.unsignedInt("questions", 0, false);
        if (job.questions > 1000000) r.fail("questions", "expected 0 (all) to 1000000");
    } else {
        for (const char *key : {"prompts", "rows", "traits", "questions"})
            if (doc.contains(key)) r.fail(key, "only elicit jobs take it");
    }
    if (job.threads > 1024) r.fail("threads", "must be at most 1024");
    const std::uint64_t checkpointSeconds = r.unsignedInt("checkpoint_seconds", 120, false);
    if (checkpointSeconds > 86400) r.fail("checkpoint_seconds", "must be at most 86400 (a day)");
    job.checkpointSeconds = static_cast<int>(checkpointSeconds);
    if (doc.contains("rejudge")) {
        if (!doc["rejudge"].is_boolean()) r.fail("rejudge", "expected true or false");
        if (job.kind == JobKind::Pretrain || job.kind == JobKind::Estimate)
            r.fail("rejudge", "only finetune and elicit jobs take it");
        job.rejudge = doc["rejudge"].get<bool>();
    }
    std::string device = doc.contains("device") ? r.string("device", true) : "auto";
    auto parsed = model::parseDeviceRequest(device);
    if (!parsed) r.fail("device", "expected one of auto, cpu, cuda");
    job.device = *parsed;
    return job;
}

WorkerJob readWorkerJob(const std::string &path) {
    const std::string text = common::readTextFile(path);
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error &e) {
        throw common::InputError(path, 0, std::string("not valid JSON: ") + e.what());
    }
    return workerJobFromJson(doc, path);
}

json toJson(const WorkerJob &job) {
    json doc = {{"kind", jobKindName(job.kind)}, {"spec", job.spec}, {"cache", job.cache}};
    if (!job.specHash.empty()) doc["spec_hash"] = job.specHash;
    if (!job.resultFile.empty())
        doc["result_file"] = job.resultFile;
    else if (job.kind == JobKind::Finetune || (job.kind == JobKind::Elicit && !job.store.empty()))
        doc["store"] = job.store;
    if (job.kind == JobKind::Finetune) {
        doc["condition"] = job.condition;
        doc["seed"] = job.seed;
    }
    if (job.baseSeed) doc["base_seed"] = *job.baseSeed;
    if (job.kind == JobKind::Elicit) {
        doc["prompts"] = job.prompts;
        doc["rows"] = job.rows;
        if (job.traits) doc["traits"] = true;
        if (job.questions) doc["questions"] = job.questions;
    }
    const char *device[] = {"auto", "cpu", "cuda"};
    doc["device"] = device[static_cast<int>(job.device)];
    if (!job.toyWorldDir.empty()) doc["toy_world"] = job.toyWorldDir;
    if (job.threads > 0) doc["threads"] = job.threads;
    if (job.kind != JobKind::Elicit) doc["checkpoint_seconds"] = job.checkpointSeconds;
    if (job.rejudge) doc["rejudge"] = true;
    return doc;
}

void writeWorkerJob(const std::string &path, const WorkerJob &job) {
    common::AtomicFileWriter out(path);
    out.write(toJson(job).dump(2) + "\n");
    out.commit();
}

std::string baseModelDir(const std::string &cache, const std::string &baseKey) {
    return (std::filesystem::path(cache) / "base" / baseKey.substr(0, 16)).string();
}

std::string baseModelWeightsPath(const std::string &cache, const std::string &baseKey) {
    return (std::filesystem::path(baseModelDir(cache, baseKey)) / "model.safetensors").string();
}

std::string runCheckpointDir(const std::string &cache, const std::string &specHash, const std::string &condition,
                             std::uint64_t seed, std::optional<std::uint64_t> baseSeed) {
    const std::string base = baseSeed ? "-base" + std::to_string(*baseSeed) : "";
    return (std::filesystem::path(cache) / "runs" / specHash.substr(0, 16) /
            (condition + base + "-seed" + std::to_string(seed)))
        .string();
}

std::string runName(const std::string &condition, std::uint64_t seed, std::optional<std::uint64_t> baseSeed) {
    return condition + (baseSeed ? " base " + std::to_string(*baseSeed) : "") + " seed " + std::to_string(seed);
}

std::string partialResultPath(const std::string &resultFile) { return resultFile + ".partial"; }

std::string runLockPath(const std::string &cache, const std::string &specHash, const std::string &condition,
                        std::uint64_t seed, std::optional<std::uint64_t> baseSeed) {
    return runCheckpointDir(cache, specHash, condition, seed, baseSeed) + ".lock";
}

std::string defaultCacheDir() {
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/inoculab";
    const char *home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.cache/inoculab";
}

}  // namespace inoculab::experiment
