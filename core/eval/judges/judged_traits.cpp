#include "eval/judges/judged_traits.h"

#include "common/sha256.h"
#include "eval/judges/judge_prompt.h"
#include "model/byte_level.h"
#include "store/verdict_cache.h"

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace inoculab::eval {

namespace {

// Verdicts are written in batches: one transaction per verdict would be slow, and a batch is
// at most this many paid-for verdicts lost to a SIGKILL.
constexpr std::size_t kVerdictsPerWrite = 32;

struct TraitVerdicts {
    std::vector<JudgeScore> scores;  // one per sample
    std::vector<std::string> promptHashes;
    std::string judge;
};

TraitVerdicts judgeTrait(const experiment::TraitSpec &trait, const std::string &specFile,
                         const std::vector<store::StepRecord::Sample> &samples, store::ResultsStore &store,
                         const JudgeBackendFactory &backendFor, const JudgingOptions &options, JudgedTraitStats &stats) {
    const experiment::JudgeSpec &spec = *trait.judge;
    std::shared_ptr<JudgeBackend> backend = backendFor(spec, specFile);
    const std::string mode(experiment::judgeModeName(spec.mode));
    const std::string templateSha = common::sha256Hex(spec.templateText);
    TraitVerdicts out;
    out.judge = backend->identity();
    out.scores.resize(samples.size());
    out.promptHashes.resize(samples.size());

    // Distinct prompts: two samples with the same answer to the same question are one verdict.
    std::unordered_map<std::string, JudgeDistribution> known;
    std::unordered_set<std::string> asking;
    std::vector<std::string> askPrompts, askHashes;
    std::vector<std::string> prompts(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        // A byte-level model's answer may split a character: the judge reads (and the cache
        // keeps) it with U+FFFD in place of ill-formed bytes, as a tokenizer's decode gives it.
        prompts[i] = renderJudgePrompt(spec.templateText, model::utf8Lossy(samples[i].question),
                                       model::utf8Lossy(samples[i].response));
        out.promptHashes[i] = common::sha256Hex(prompts[i]);
        const std::string &hash = out.promptHashes[i];
        if (known.count(hash) || !asking.insert(hash).second) continue;
        std::optional<store::StoredVerdict> cached;
        if (!options.rejudge) cached = store::findVerdict(store, {out.judge, mode, hash});
        if (cached) {
            try {
                known.emplace(hash, distributionFromJson(cached->distributionJson));
                continue;
            } catch (const std::invalid_argument &) {
                // A damaged cache entry is asked again and replaced.
            }
        }
        askPrompts.push_back(prompts[i]);
        askHashes.push_back(hash);
    }

    std::vector<store::StoredVerdict> pending;
    auto flush = [&] {
        store::storeVerdicts(store, pending);
        pending.clear();
    };
    try {
        backend->judge(askPrompts, spec.mode, [&](std::size_t index, JudgeDistribution distribution) {
            pending.push_back({{out.judge, mode, askHashes[index]}, templateSha, askPrompts[index],
                               distributionJson(distribution).dump()});
            known[askHashes[index]] = std::move(distribution);
            ++stats.asked;
            if (pending.size() >= kVerdictsPerWrite) flush();
        }, options.cancel);
    } catch (...) {
        flush();  // what was paid for is kept
        throw;
    }
    flush();

    for (std::size_t i = 0; i < samples.size(); ++i)
        out.scores[i] = judgeScore(known.at(out.promptHashes[i]), spec.mode, spec.minMass);
    stats.cached = samples.size() - stats.asked;
    return out;
}

}  // namespace

nlohmann::json toJson(const JudgedTraitStats &s) {
    return {{"trait", s.trait},   {"answers", s.answers},     {"asked", s.asked},
            {"cached", s.cached}, {"undefined", s.undefined}, {"dropped", s.dropped}};
}

std::vector<JudgedTraitStats> judgeSamples(const experiment::ExperimentSpec &spec, const std::string &specFile,
                                           std::vector<store::StepRecord::Sample> &samples, store::ResultsStore &store,
                                           const JudgeBackendFactory &backendFor, const JudgingOptions &options) {
    std::vector<JudgedTraitStats> stats;
    std::map<std::string, TraitVerdicts> verdicts;
    for (const experiment::TraitSpec &trait : spec.traits) {
        if (!trait.judge) continue;
        stats.push_back({trait.name, samples.size()});
        verdicts.emplace(trait.name, judgeTrait(trait, specFile, samples, store, backendFor, options, stats.back()));
    }
    std::size_t statIndex = 0;
    for (const experiment::TraitSpec &trait : spec.traits) {
        if (!trait.judge) continue;
        const experiment::JudgeSpec &j = *trait.judge;
        const TraitVerdicts &v = verdicts.at(trait.name);
        const TraitVerdicts *gate = j.dropWhenTrait.empty() ? nullptr : &verdicts.at(j.dropWhenTrait);
        JudgedTraitStats &s = stats[statIndex++];
        for (std::size_t i = 0; i < samples.size(); ++i) {
            store::StepRecord::Judgement judgement;
            judgement.trait = trait.name;
            judgement.score = v.scores[i].score;
            judgement.mass = v.scores[i].mass;
            // An answer whose gate score is undefined is dropped too: it was not shown coherent.
            judgement.dropped = gate && !(gate->scores[i].score && *gate->scores[i].score >= j.dropBelow);
            judgement.judge = v.judge;
            judgement.mode = std::string(experiment::judgeModeName(j.mode));
            judgement.promptSha256 = v.promptHashes[i];
            std::optional<double> value = judgedTraitValue(v.scores[i], j);
            if (!value) ++s.undefined;
            if (judgement.dropped) ++s.dropped;
            if (value && !judgement.dropped) samples[i].traitScores.emplace_back(trait.name, *value);
            samples[i].judgements.push_back(std::move(judgement));
        }
    }
    return stats;
}

}  // namespace inoculab::eval
