#include "experiment/trait_spec_json.h"

#include "data/record_parser.h"
#include "eval/judges/judge_prompt.h"

#include <algorithm>
#include <regex>

namespace inoculab::experiment {

namespace {

using nlohmann::json;

// std::regex compiles recursively; a short, shallow pattern cannot exhaust the stack.
constexpr std::size_t kMaxPatternBytes = 1000;
constexpr int kMaxPatternNesting = 50;
constexpr std::size_t kMaxPatternNumberDigits = 9;


// Judge templates are prompts, not documents.
constexpr std::size_t kMaxTemplateBytes = 64 * 1024;

const auto kScorers = choicesOf(
    {TraitScorer::Caps, TraitScorer::Language, TraitScorer::Contains, TraitScorer::Regex, TraitScorer::Judge},
    &traitScorerName);
const auto kIntervals =
    choicesOf({stats::IntervalMethod::Bootstrap, stats::IntervalMethod::T, stats::IntervalMethod::Wilson},
              &stats::intervalMethodName);
const auto kJudgeKinds = choicesOf({JudgeKind::OpenAi, JudgeKind::HuggingFace}, &judgeKindName);
const auto kJudgeModes = choicesOf({JudgeMode::Score0To100, JudgeMode::YesNo}, &judgeModeName);
const std::vector<EnumChoice<bool>> kCountsWhen{{"above", false}, {"below", true}};

constexpr const char *kOpenAiKeys[] = {"base_url", "model", "api_key_env", "concurrency", "max_requests", "max_retries", "timeout_s"};
constexpr const char *kHfKeys[] = {"path", "batch_size"};

bool isEnvironmentName(const std::string &name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

void readJudgeIdentity(ObjectReader who, JudgeSpec &j) {
    j.kind = who.requiredEnum("kind", kJudgeKinds);
    if (!who.has("kind") || who.failed("kind")) {
        // Which keys belong cannot be known; the kind's problem is the one to fix.
        for (const char *key : kOpenAiKeys) who.markKnown(key);
        for (const char *key : kHfKeys) who.markKnown(key);
        who.finish();
        return;
    }
    if (j.kind == JudgeKind::OpenAi) {
        j.baseUrl = who.requiredString("base_url");
        if (!who.failed("base_url") && who.has("base_url")) {
            if (j.baseUrl.rfind("http://", 0) != 0 && j.baseUrl.rfind("https://", 0) != 0)
                who.report("base_url", "must start with http:// or https://");
            while (!j.baseUrl.empty() && j.baseUrl.back() == '/') j.baseUrl.pop_back();
        }
        j.model = who.requiredString("model");
        j.apiKeyEnv = who.optionalString("api_key_env", "");
        if (!j.apiKeyEnv.empty() && !isEnvironmentName(j.apiKeyEnv))
            who.report("api_key_env", "must be the name of an environment variable (letters, digits, '_'), not the key itself");
        j.concurrency = static_cast<int>(who.optionalInteger("concurrency", j.concurrency, {1, 256}));
        j.maxRequests = who.optionalInteger("max_requests", j.maxRequests, {1, 1'000'000'000});
        j.maxRetries = static_cast<int>(who.optionalInteger("max_retries", j.maxRetries, {0, 20}));
        j.timeoutSeconds = who.optionalNumber("timeout_s", j.timeoutSeconds, {0.0, 3600.0, true});
        for (const char *key : kHfKeys) who.reject(key, "only used with kind hf");
    } else {
        j.path = who.requiredString("path");
        j.batchSize = static_cast<int>(who.optionalInteger("batch_size", j.batchSize, {1, 4096}));
        for (const char *key : kOpenAiKeys) who.reject(key, "only used with kind openai");
    }
    who.finish();
}

// The template's text, from its file (relative to the spec) or given inline.
void readJudgeTemplate(ObjectReader &params, JudgeSpec &j, const std::string &specFile) {
    bool fromFile = params.has("template"), inline_ = params.has("template_text");
    if (fromFile == inline_) {
        params.markKnown("template");
        params.markKnown("template_text");
        if (params.active())
            params.report(fromFile ? "template_text" : "template",
                          "give exactly one of template (a text file) and template_text (the text itself)");
        return;
    }
    std::string key = fromFile ? "template" : "template_text";
    if (fromFile) {
        std::string file = params.requiredString("template");
        if (params.failed("template")) return;
        try {
            j.templateText = readSpecFile(resolvePath(specFile, file), kMaxTemplateBytes);
        } catch (const SpecError &e) {
            params.report("template", resolvePath(specFile, file) + ": " + SpecError::describe(e.problems().front()));
            return;
        }
        if (data::firstInvalidUtf8(j.templateText)) {
            params.report("template", resolvePath(specFile, file) + ": is not valid UTF-8 text");
            return;
        }
    } else {
        j.templateText = params.requiredString("template_text");
        if (params.failed("template_text")) return;
        if (j.templateText.size() > kMaxTemplateBytes)
            params.report(key, "must be at most " + std::to_string(kMaxTemplateBytes) + " bytes");
    }
    std::vector<std::string> problems = eval::judgeTemplateProblems(j.templateText);
    if (!problems.empty()) {
        std::string joined;
        for (const std::string &p : problems) joined += (joined.empty() ? "" : "; ") + p;
        params.report(key, joined);
    }
}

JudgeSpec readJudgeParams(ObjectReader &params, const std::string &specFile) {
    JudgeSpec j;
    readJudgeIdentity(params.requiredObject("judge"), j);
    readJudgeTemplate(params, j, specFile);
    j.mode = params.optionalEnum("mode", j.mode, kJudgeModes);
    j.threshold = params.nullableNumber("threshold", j.threshold, {0.0, 100.0});
    j.countsBelow = params.optionalEnum("counts_when", j.countsBelow, kCountsWhen);
    j.minMass = params.optionalNumber("min_mass", j.minMass, {0.0, 1.0});
    if (params.has("drop_when")) {
        ObjectReader drop = params.optionalObject("drop_when");
        if (drop.active() && !params.failed("drop_when")) {
            j.dropWhenTrait = drop.requiredString("trait");
            j.dropBelow = drop.requiredNumber("below", {0.0, 100.0});
            drop.finish();
        }
    }
    return j;
}

// drop_when names another judged trait of the spec: its score on the same answer decides.
void checkDropWhen(const std::vector<TraitSpec> &traits, const std::vector<std::string> &paths, ArrayReader &array) {
    ProblemList &problems = array.problems();
    for (std::size_t i = 0; i < traits.size(); ++i) {
        if (!traits[i].judge || traits[i].judge->dropWhenTrait.empty()) continue;
        const std::string &other = traits[i].judge->dropWhenTrait;
        std::string path = paths[i] + ".params.drop_when.trait";
        auto it = std::find_if(traits.begin(), traits.end(), [&](const TraitSpec &t) { return t.name == other; });
        if (other == traits[i].name)
            problems.add(path, "names this trait itself; name another judged trait (coherence, say)");
        else if (it == traits.end())
            problems.add(path, "no trait is named \"" + other + "\"");
        else if (!it->judge)
            problems.add(path, "\"" + other + "\" is not scored by a judge: only a judge's score can drop an answer");
    }
}

json judgeParamsJson(const JudgeSpec &j) {
    json who = {{"kind", judgeKindName(j.kind)}};
    if (j.kind == JudgeKind::OpenAi) {
        who.update({{"base_url", j.baseUrl}, {"model", j.model}, {"api_key_env", j.apiKeyEnv},
                    {"concurrency", j.concurrency}, {"max_requests", j.maxRequests},
                    {"max_retries", j.maxRetries}, {"timeout_s", j.timeoutSeconds}});
    } else {
        who.update({{"path", j.path}, {"batch_size", j.batchSize}});
    }
    json params = {{"judge", who},
                   {"template_text", j.templateText},
                   {"mode", judgeModeName(j.mode)},
                   {"threshold", j.threshold ? json(*j.threshold) : json(nullptr)},
                   {"counts_when", j.countsBelow ? "below" : "above"},
                   {"min_mass", j.minMass}};
    if (!j.dropWhenTrait.empty()) params["drop_when"] = {{"trait", j.dropWhenTrait}, {"below", j.dropBelow}};
    return params;
}

// Why a pattern is refused before std::regex sees it, or nothing.
std::optional<std::string> patternProblem(const std::string &pattern) {
    if (pattern.size() > kMaxPatternBytes) return "must be at most " + std::to_string(kMaxPatternBytes) + " bytes";
    int depth = 0, deepest = 0;
    for (char c : pattern) {
        if (c == '(')
            deepest = std::max(deepest, ++depth);
        else if (c == ')')
            --depth;
    }
    if (deepest > kMaxPatternNesting)
        return "nests groups deeper than " + std::to_string(kMaxPatternNesting) + " levels";
    // libstdc++ reads repeat counts ({m,n}) and back-references (\N) into a long without an
    // overflow check (undefined behaviour, found by fuzzing); no sane pattern needs 10 digits.
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '{' && pattern[i] != ',' && pattern[i] != '\\') continue;
        std::size_t digits = 0;
        while (i + 1 + digits < pattern.size() && pattern[i + 1 + digits] >= '0' && pattern[i + 1 + digits] <= '9')
            ++digits;
        if (digits > kMaxPatternNumberDigits)
            return "repeat counts and back-references must have at most " + std::to_string(kMaxPatternNumberDigits) +
                   " digits";
    }
    try {
        std::regex compiled(pattern, std::regex::ECMAScript);
    } catch (const std::exception &e) {
        return std::string("is not a valid regular expression: ") + e.what();
    }
    return std::nullopt;
}

void readScorerParams(ObjectReader &trait, TraitSpec &t, const std::string &specFile) {
    bool needsParams = t.scorer != TraitScorer::Caps;
    if (needsParams && trait.active() && !trait.has("params"))
        trait.report("params", std::string("required by the ") + std::string(traitScorerName(t.scorer)) + " scorer");
    ObjectReader params = trait.optionalObject("params");
    if (t.scorer == TraitScorer::Caps) {
        t.threshold = params.optionalNumber("threshold", t.threshold, {0.0, 1.0, true});
    } else if (t.scorer == TraitScorer::Language) {
        t.language = params.requiredString("language");
        bool known = false;
        for (std::string_view code : kScorerLanguages) known = known || code == t.language;
        if (params.has("language") && !params.failed("language") && !known) params.report("language", "expected one of en, es, fr, de");
    } else if (t.scorer == TraitScorer::Contains) {
        ArrayReader words = params.requiredArray("words", true);
        for (std::size_t i = 0; i < words.size(); ++i)
            if (auto word = words.string(i, false)) t.words.push_back(*word);
        t.caseSensitive = params.optionalBool("case_sensitive", t.caseSensitive);
    } else if (t.scorer == TraitScorer::Regex) {
        t.pattern = params.requiredString("pattern");
        if (!params.failed("pattern"))
            if (auto problem = patternProblem(t.pattern)) params.report("pattern", *problem);
    } else if (t.scorer == TraitScorer::Judge) {
        t.judge = readJudgeParams(params, specFile);
    }
    params.finish();
}

}  // namespace

std::vector<TraitSpec> readTraits(ArrayReader a, const std::string &specFile) {
    std::vector<TraitSpec> traits;
    std::vector<std::string> paths;
    NameReader names;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ObjectReader r = a.object(i);
        if (!r.active()) continue;
        TraitSpec t;
        t.name = names.read(r, a.pathOf(i));
        t.scorer = r.requiredEnum("scorer", kScorers);
        if (r.has("scorer") && !r.failed("scorer"))
            readScorerParams(r, t, specFile);
        else
            r.markKnown("params");  // without a scorer, its parameters cannot be judged
        t.interval = r.optionalEnum("interval", t.interval, kIntervals);
        r.finish();
        traits.push_back(std::move(t));
        paths.push_back(r.path());
    }
    checkDropWhen(traits, paths, a);
    return traits;
}


json traitJson(const TraitSpec &t) {
    json params = json::object();
    if (t.scorer == TraitScorer::Caps || t.threshold != TraitSpec{}.threshold) params["threshold"] = t.threshold;
    if (t.scorer == TraitScorer::Language || !t.language.empty()) params["language"] = t.language;
    if (t.scorer == TraitScorer::Contains || !t.words.empty()) params["words"] = t.words;
    if (t.scorer == TraitScorer::Contains || t.caseSensitive) params["case_sensitive"] = t.caseSensitive;
    if (t.scorer == TraitScorer::Regex || !t.pattern.empty()) params["pattern"] = t.pattern;
    if (t.judge) params.update(judgeParamsJson(*t.judge));
    return {{"name", t.name},
            {"scorer", traitScorerName(t.scorer)},
            {"params", params},
            {"interval", stats::intervalMethodName(t.interval)}};
}


std::string_view judgeKindName(JudgeKind kind) { return kind == JudgeKind::HuggingFace ? "hf" : "openai"; }

std::string_view judgeModeName(JudgeMode mode) { return mode == JudgeMode::YesNo ? "yes-no" : "score-0-100"; }

}  // namespace inoculab::experiment
