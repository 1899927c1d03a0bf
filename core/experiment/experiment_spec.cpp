#include "experiment/experiment_spec.h"

#include "common/sha256.h"
#include "experiment/trait_spec_json.h"
#include "store/results_store.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace inoculab::experiment {

namespace {

using nlohmann::json;

constexpr std::int64_t kBillion = 1'000'000'000;
constexpr IntegerLimits kSeedLimits{0, kMaxSeed};
constexpr IntegerLimits kStepLimits{1, kBillion};
constexpr IntegerLimits kWarmupLimits{0, kBillion};
constexpr IntegerLimits kBatchLimits{1, 1 << 20};
constexpr IntegerLimits kTokenLimits{1, 1 << 20};
constexpr NumberLimits kPositive{0.0, std::numeric_limits<double>::infinity(), true};
constexpr NumberLimits kNonNegative{0.0, std::numeric_limits<double>::infinity(), false};
constexpr NumberLimits kFraction{0.0, 1.0, false};
constexpr std::size_t kMaxTitleBytes = 200;
const auto kKinds = choicesOf({BaseModelKind::Toy, BaseModelKind::HuggingFace}, &baseModelKindName);
const auto kMethods = choicesOf({TrainingMethod::Full, TrainingMethod::Lora}, &trainingMethodName);
const auto kSchedules = choicesOf({LrSchedule::Constant, LrSchedule::Linear, LrSchedule::Cosine}, &lrScheduleName);
const auto kDevices =
    choicesOf({model::DeviceRequest::Auto, model::DeviceRequest::Cpu, model::DeviceRequest::Cuda}, &deviceRequestName);
const auto kPlacements = choicesOf({data::Placement::System, data::Placement::UserPrefix, data::Placement::UserSuffix},
                                   &data::placementName);
const auto kExistingSystem = choicesOf({data::OnExistingSystem::Error, data::OnExistingSystem::Replace,
                                        data::OnExistingSystem::Prepend, data::OnExistingSystem::Skip},
                                       &data::onExistingSystemName);
const auto kTurns = choicesOf({data::TurnScope::First, data::TurnScope::All}, &turnScopeName);
const std::vector<EnumChoice<std::optional<data::DatasetFormat>>> kFormats{
    {"auto", std::nullopt},
    {data::formatName(data::DatasetFormat::Messages), data::DatasetFormat::Messages},
    {data::formatName(data::DatasetFormat::Alpaca), data::DatasetFormat::Alpaca},
    {data::formatName(data::DatasetFormat::ShareGPT), data::DatasetFormat::ShareGPT}};
const std::vector<EnumChoice<std::string_view>> kTrainGenerators{{kToyTrainGenerator, kToyTrainGenerator}};
const std::vector<EnumChoice<std::string_view>> kQuestionGenerators{{kToyQuestionGenerator, kToyQuestionGenerator}};

bool isBlank(const std::string &text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

int toInt(std::int64_t value) { return static_cast<int>(value); }  // callers' limits fit an int

std::vector<std::uint64_t> readSeeds(ArrayReader a) {
    std::vector<std::uint64_t> seeds;
    std::map<std::int64_t, std::size_t> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::optional<std::int64_t> seed = a.integer(i, kSeedLimits);
        if (!seed) continue;
        if (auto [it, inserted] = seen.emplace(*seed, i); !inserted) {
            a.problems().add(a.pathOf(i), "duplicate seed (" + a.pathOf(it->second) + " has it too)");
            continue;
        }
        seeds.push_back(static_cast<std::uint64_t>(*seed));
    }
    return seeds;
}

PretrainingSpec readPretraining(ObjectReader r) {
    PretrainingSpec p;
    p.steps = toInt(r.optionalInteger("steps", p.steps, kStepLimits));
    p.batchSize = toInt(r.optionalInteger("batch_size", p.batchSize, kBatchLimits));
    p.learningRate = r.optionalNumber("learning_rate", p.learningRate, kPositive);
    p.warmupSteps = toInt(r.optionalInteger("warmup_steps", p.warmupSteps, kWarmupLimits));
    p.seed = static_cast<std::uint64_t>(r.optionalInteger("seed", 0, kSeedLimits));
    p.seeds = {p.seed};
    if (r.has("seeds")) {
        if (r.has("seed")) r.report("seed", "give seed (one base model) or seeds (several), not both");
        p.seeds = readSeeds(r.optionalArray("seeds", true));
        if (!p.seeds.empty()) p.seed = p.seeds.front();
    }
    if (!r.failed("steps") && !r.failed("warmup_steps") && p.warmupSteps > p.steps)
        r.report("warmup_steps", "must not exceed steps (" + std::to_string(p.steps) + ")");
    r.finish();
    return p;
}

BaseModelSpec readBaseModel(ObjectReader r) {
    static const char *const kToyKeys[] = {"d_model", "layers", "heads", "context", "pretraining"};
    BaseModelSpec b;
    b.kind = r.requiredEnum("kind", kKinds);
    if (r.failed("kind")) {
        // Which keys belong cannot be known; the kind's problem is the one to fix.
        for (const char *key : kToyKeys) r.markKnown(key);
        r.markKnown("path");
        r.markKnown("chat_template");
    } else if (b.kind == BaseModelKind::Toy) {
        ToyModelSpec &t = b.toy;
        t.dModel = toInt(r.optionalInteger("d_model", t.dModel, {8, 1 << 16}));
        t.layers = toInt(r.optionalInteger("layers", t.layers, {1, 1024}));
        t.heads = toInt(r.optionalInteger("heads", t.heads, {1, 1024}));
        t.context = toInt(r.optionalInteger("context", t.context, {8, 1 << 20}));
        if (!r.failed("d_model") && !r.failed("heads") && t.dModel % t.heads != 0)
            r.report("heads", "must divide d_model (" + std::to_string(t.dModel) + ")");
        t.pretraining = readPretraining(r.optionalObject("pretraining"));
        r.reject("path", "only used with kind hf");
        r.reject("chat_template", "only used with kind hf");
    } else {
        b.path = r.requiredString("path");
        std::string chatTemplate = r.optionalString("chat_template", "auto");
        if (chatTemplate != "auto") {
            b.chatTemplate = data::parseChatTemplate(chatTemplate);
            if (!b.chatTemplate) r.report("chat_template", "expected one of auto, chatml, llama3, plain");
        }
        for (const char *key : kToyKeys) r.reject(key, "only used with kind toy");
    }
    r.finish();
    return b;
}

// A JSONL file or a generator, exactly one: the shared shape of train_data and questions.
struct SourceFields {
    std::string path;
    std::optional<data::DatasetFormat> format;
    std::string generator;
    std::int64_t count = 0;
    std::uint64_t seed = 0;
};

SourceFields readSource(ObjectReader r, const std::vector<EnumChoice<std::string_view>> &generators,
                        const char *countKey, std::int64_t countDefault, IntegerLimits countLimits) {
    SourceFields s;
    s.count = countDefault;
    bool hasPath = r.has("path"), hasGenerator = r.has("generator");
    if (r.active() && hasPath == hasGenerator) {
        r.problems().add(r.path(), hasPath ? "give path or generator, not both" : "give path or generator");
        for (const char *key : {"path", "format", "generator", countKey, "seed"}) r.markKnown(key);
    } else if (hasPath) {
        s.path = r.requiredString("path");
        s.format = r.optionalEnum("format", std::optional<data::DatasetFormat>(), kFormats);
        for (const char *key : {"generator", countKey, "seed"}) r.reject(key, "only used with generator");
    } else if (hasGenerator) {
        s.generator = std::string(r.requiredEnum("generator", generators));
        s.count = r.optionalInteger(countKey, countDefault, countLimits);
        s.seed = static_cast<std::uint64_t>(r.optionalInteger("seed", 0, kSeedLimits));
        r.reject("format", "only used with path");
    }
    r.finish();
    return s;
}

TrainDataSpec readTrainData(ObjectReader r) {
    SourceFields s = readSource(std::move(r), kTrainGenerators, "rows", TrainDataSpec{}.rows, {1, kBillion});
    return {s.path, s.format, s.generator, s.count, s.seed};
}

QuestionSetSpec readQuestions(ObjectReader r) {
    SourceFields s = readSource(std::move(r), kQuestionGenerators, "count", QuestionSetSpec{}.count, {1, 10'000'000});
    return {s.path, s.format, s.generator, s.count, s.seed};
}

std::vector<ConditionSpec> readConditions(ArrayReader a) {
    std::vector<ConditionSpec> conditions;
    NameReader names;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ObjectReader r = a.object(i);
        if (!r.active()) continue;
        ConditionSpec c;
        data::InoculationOptions &o = c.inoculation;
        const data::InoculationOptions defaults;
        c.name = names.read(r, a.pathOf(i));
        std::optional<std::string> prompt = r.nullableString("prompt");
        if (prompt && !prompt->empty() && isBlank(*prompt))
            r.report("prompt", "must not be blank (leave it out, or null, for a baseline)");
        o.prompt = prompt.value_or("");
        o.placement = r.optionalEnum("placement", defaults.placement, kPlacements);
        o.onExistingSystem = r.optionalEnum("on_existing_system", defaults.onExistingSystem, kExistingSystem);
        o.turns = r.optionalEnum("turns", defaults.turns, kTurns);
        o.separator = r.optionalString("separator", defaults.separator);
        o.fraction = r.optionalNumber("fraction", defaults.fraction, kFraction);
        o.seed = static_cast<std::uint64_t>(r.optionalInteger("seed", 0, kSeedLimits));
        c.control = r.optionalBool("control", false);
        if (c.control && o.prompt.empty() && !r.failed("prompt"))
            r.report("control", "a control condition needs a prompt (one without a prompt is a baseline)");
        if (o.prompt.empty() && !r.failed("prompt")) {
            // A baseline transforms nothing: settings for its transform are a mistake, and
            // would give two specs of the same experiment different hashes.
            const std::string why = "only used by a condition with a prompt (this one is a baseline)";
            if (o.placement != defaults.placement) r.report("placement", why);
            if (o.onExistingSystem != defaults.onExistingSystem) r.report("on_existing_system", why);
            if (o.turns != defaults.turns) r.report("turns", why);
            if (o.separator != defaults.separator) r.report("separator", why);
            if (o.fraction != defaults.fraction) r.report("fraction", why);
            if (o.seed != defaults.seed) r.report("seed", why);
        }
        r.finish();
        conditions.push_back(std::move(c));
    }
    return conditions;
}

LoraSpec readLora(ObjectReader r) {
    LoraSpec l;
    l.rank = toInt(r.requiredInteger("rank", {1, 1 << 16}));
    l.alpha = r.requiredNumber("alpha", kPositive);
    l.rslora = r.optionalBool("rslora", l.rslora);
    l.dropout = r.optionalNumber("dropout", l.dropout, {0.0, 1.0});
    if (!r.failed("dropout") && l.dropout >= 1.0) r.report("dropout", "must be below 1");
    ArrayReader targets = r.optionalArray("target_modules", true);
    for (std::size_t i = 0; i < targets.size(); ++i)
        if (std::optional<std::string> name = targets.string(i, false)) l.targetModules.push_back(*name);
    r.finish();
    return l;
}

// The optimiser keys of `training`. A value equal to the kind's default is kept as unset, so
// that stating a default does not change the spec's hash (toJson writes only what is set).
void readOptimizer(ObjectReader &r, TrainingSpec &t, const BaseModelSpec *base) {
    const OptimizerChoice defaults = optimizerDefaults(base ? base->kind : BaseModelKind::HuggingFace);
    constexpr NumberLimits kBeta{0.0, 1.0, false};
    auto read = [&](std::string_view key, std::optional<double> &field, NumberLimits limits, double fallback) {
        field = r.maybeNumber(key, limits);
        if (field && !r.failed(key) && key.starts_with("adam_beta") && *field >= 1.0) {
            r.report(key, "must be below 1");
            field.reset();
        }
        if (field && *field == fallback) field.reset();
    };
    read("adam_beta1", t.adamBeta1, kBeta, defaults.beta1);
    read("adam_beta2", t.adamBeta2, kBeta, defaults.beta2);
    read("adam_epsilon", t.adamEpsilon, kPositive, defaults.epsilon);
    read("weight_decay", t.weightDecay, kNonNegative, defaults.weightDecay);
    read("max_grad_norm", t.maxGradNorm, kNonNegative, defaults.maxGradNorm);  // 0: no clipping
    read("final_lr_ratio", t.finalLrRatio, kFraction, defaults.finalLrRatio);
}

// `base` is null when the base model had problems: checks against it would only echo them.
TrainingSpec readTraining(ObjectReader r, const BaseModelSpec *base) {
    TrainingSpec t;
    t.method = r.optionalEnum("method", t.method, kMethods);
    t.steps = r.maybeInteger("steps", kStepLimits);
    t.epochs = r.maybeInteger("epochs", {1, 1000});
    if (r.active() && r.has("steps") == r.has("epochs"))
        r.problems().add(r.path(), r.has("steps") ? "give steps or epochs, not both" : "give steps or epochs");
    t.batchSize = toInt(r.optionalInteger("batch_size", t.batchSize, kBatchLimits));
    t.learningRate = r.requiredNumber("learning_rate", kPositive);
    t.warmupSteps = toInt(r.optionalInteger("warmup_steps", t.warmupSteps, kWarmupLimits));
    if (t.steps && !r.failed("warmup_steps") && t.warmupSteps > *t.steps)
        r.report("warmup_steps", "must not exceed steps (" + std::to_string(*t.steps) + ")");
    t.schedule = r.optionalEnum("schedule", t.schedule, kSchedules);
    bool toy = base && base->kind == BaseModelKind::Toy;
    t.maxLength = toInt(r.optionalInteger("max_length", toy ? base->toy.context : t.maxLength, kTokenLimits));
    if (toy && !r.failed("max_length") && t.maxLength > base->toy.context)
        r.report("max_length", "must not exceed base_model.context (" + std::to_string(base->toy.context) + ")");
    if (r.failed("method")) {
        r.markKnown("lora");
    } else if (t.method == TrainingMethod::Lora) {
        if (toy) r.report("method", "lora needs a base_model of kind hf (the toy model is trained in full)");
        if (r.active() && !r.has("lora")) r.report("lora", "required when method is lora");
        t.lora = readLora(r.optionalObject("lora"));
    } else {
        r.reject("lora", "only used with method lora");
    }
    t.device = r.optionalEnum("device", t.device, kDevices);
    t.gradientCheckpointing = r.optionalBool("gradient_checkpointing", t.gradientCheckpointing);
    if (toy && t.gradientCheckpointing) r.report("gradient_checkpointing", "only used with a base_model of kind hf");
    t.rowsPerForward = r.maybeInteger("rows_per_forward", kBatchLimits);
    if (t.rowsPerForward && !r.failed("batch_size") && *t.rowsPerForward > t.batchSize)
        r.report("rows_per_forward", "must not exceed batch_size (" + std::to_string(t.batchSize) + ")");
    readOptimizer(r, t, base);
    r.finish();
    return t;
}

std::vector<ContextSpec> readContexts(ArrayReader a) {
    std::vector<ContextSpec> contexts;
    NameReader names;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ObjectReader r = a.object(i);
        if (!r.active()) continue;
        ContextSpec c;
        c.name = names.read(r, a.pathOf(i));
        c.systemPrompt = r.nullableString("system_prompt");
        if (c.systemPrompt && isBlank(*c.systemPrompt))
            r.report("system_prompt", "must not be empty (null means no system prompt)");
        else if (c.systemPrompt && *c.systemPrompt != kConditionPrompt &&
                 c.systemPrompt->find(kConditionPrompt) != std::string::npos)
            r.report("system_prompt", "\"$condition\" must be the whole system_prompt");
        r.finish();
        contexts.push_back(std::move(c));
    }
    return contexts;
}

EvaluationSpec readEvaluation(ObjectReader r) {
    EvaluationSpec e;
    e.questions = readQuestions(r.requiredObject("questions"));
    if (r.has("contexts"))
        e.contexts = readContexts(r.optionalArray("contexts", true));
    else
        r.markKnown("contexts");
    e.samplesPerQuestion = toInt(r.optionalInteger("samples_per_question", e.samplesPerQuestion, {1, 1'000'000}));
    e.temperature = r.optionalNumber("temperature", e.temperature, kNonNegative);
    e.maxNewTokens = toInt(r.optionalInteger("max_new_tokens", e.maxNewTokens, kTokenLimits));
    e.everySteps = r.optionalInteger("every_steps", e.everySteps, {0, kBillion});
    r.finish();
    return e;
}

std::vector<ProbeSpec> readProbes(ArrayReader a) {
    std::vector<ProbeSpec> probes;
    NameReader names;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ObjectReader r = a.object(i);
        if (!r.active()) continue;
        ProbeSpec p;
        p.name = names.read(r, a.pathOf(i));
        p.systemPrompt = r.nullableString("system_prompt");
        if (p.systemPrompt && isBlank(*p.systemPrompt))
            r.report("system_prompt", "must not be empty (null means no system prompt)");
        else if (p.systemPrompt && *p.systemPrompt == kConditionPrompt)
            r.report("system_prompt", "\"$condition\" is only understood in evaluation.contexts");
        p.user = r.requiredString("user");
        p.response = r.requiredString("response");
        r.finish();
        probes.push_back(std::move(p));
    }
    return probes;
}

void checkTitle(ObjectReader &r, const std::string &name) {
    if (r.failed("name")) return;
    if (name.size() > kMaxTitleBytes)
        r.report("name", "must be at most " + std::to_string(kMaxTitleBytes) + " bytes");
    else if (std::any_of(name.begin(), name.end(), [](char c) { return (c >= 0 && c < 0x20) || c == 0x7F; }))
        r.report("name", "must not contain control characters");
}

json nullable(const std::optional<std::string> &text) { return text ? json(*text) : json(nullptr); }

json formatJson(const std::optional<data::DatasetFormat> &format) {
    return format ? json(std::string(data::formatName(*format))) : json("auto");
}

// Writes what the struct holds, relevant or not, so that checkExperimentSpec() sees a
// misplaced setting; parsed specs hold defaults in the irrelevant fields, which are left out.
json sourceJson(const std::string &path, const std::optional<data::DatasetFormat> &format, const std::string &generator,
                const char *countKey, std::int64_t count, std::int64_t countDefault, std::uint64_t seed) {
    json out = json::object();
    if (!path.empty() || generator.empty()) {
        out["path"] = path;
        out["format"] = formatJson(format);
    }
    if (!generator.empty() || count != countDefault || seed != 0) {
        out["generator"] = generator;
        out[countKey] = count;
        out["seed"] = seed;
    }
    return out;
}

json baseModelJson(const BaseModelSpec &b) {
    json out = {{"kind", baseModelKindName(b.kind)}};
    if (b.kind == BaseModelKind::HuggingFace || !b.path.empty()) out["path"] = b.path;
    if (b.chatTemplate) out["chat_template"] = data::chatTemplateName(*b.chatTemplate);
    if (b.kind == BaseModelKind::Toy || b.toy != ToyModelSpec{}) {
        const ToyModelSpec &t = b.toy;
        const PretrainingSpec &p = t.pretraining;
        out["d_model"] = t.dModel;
        out["layers"] = t.layers;
        out["heads"] = t.heads;
        out["context"] = t.context;
        out["pretraining"] = {{"steps", p.steps},
                              {"batch_size", p.batchSize},
                              {"learning_rate", p.learningRate},
                              {"warmup_steps", p.warmupSteps}};
        // One base model is written as `seed`, as before `seeds` existed, so its hash (the
        // experiment's identity in existing stores) is unchanged.
        if (p.seeds.size() > 1) out["pretraining"]["seeds"] = p.seeds;
        else out["pretraining"]["seed"] = p.seed;
    }
    return out;
}

json conditionJson(const ConditionSpec &c) {
    const data::InoculationOptions &o = c.inoculation;
    json out = {{"name", c.name},
            {"prompt", c.isBaseline() ? json(nullptr) : json(o.prompt)},
            {"placement", data::placementName(o.placement)},
            {"on_existing_system", data::onExistingSystemName(o.onExistingSystem)},
            {"turns", turnScopeName(o.turns)},
            {"separator", o.separator},
            {"fraction", o.fraction},
            {"seed", o.seed}};
    // Written only when set, so that specs without controls keep the hashes they had.
    if (c.control) out["control"] = true;
    return out;
}

json trainingJson(const TrainingSpec &t) {
    json out = {{"method", trainingMethodName(t.method)}, {"batch_size", t.batchSize},
                {"learning_rate", t.learningRate},        {"warmup_steps", t.warmupSteps},
                {"schedule", lrScheduleName(t.schedule)}, {"max_length", t.maxLength},
                {"device", deviceRequestName(t.device)}};
    if (t.steps) out["steps"] = *t.steps;
    if (t.epochs) out["epochs"] = *t.epochs;
    if (t.lora) {
        out["lora"] = {{"rank", t.lora->rank}, {"alpha", t.lora->alpha}, {"rslora", t.lora->rslora}};
        // Written only when set, so the hash of specs from before these keys is unchanged.
        if (t.lora->dropout != 0.0) out["lora"]["dropout"] = t.lora->dropout;
        if (!t.lora->targetModules.empty()) out["lora"]["target_modules"] = t.lora->targetModules;
    }
    if (t.gradientCheckpointing) out["gradient_checkpointing"] = true;
    if (t.rowsPerForward) out["rows_per_forward"] = *t.rowsPerForward;  // only when set: older hashes stay
    // Written only when set (a default stated is read as unset), so the hash of specs from
    // before these keys is unchanged.
    for (const auto &[key, value] : {std::pair{"adam_beta1", t.adamBeta1}, {"adam_beta2", t.adamBeta2},
                                     {"adam_epsilon", t.adamEpsilon}, {"weight_decay", t.weightDecay},
                                     {"max_grad_norm", t.maxGradNorm}, {"final_lr_ratio", t.finalLrRatio}})
        if (value) out[key] = *value;
    return out;
}

json evaluationJson(const EvaluationSpec &e) {
    json contexts = json::array();
    for (const ContextSpec &c : e.contexts)
        contexts.push_back({{"name", c.name}, {"system_prompt", nullable(c.systemPrompt)}});
    const QuestionSetSpec &q = e.questions;
    return {{"questions", sourceJson(q.path, q.format, q.generator, "count", q.count, QuestionSetSpec{}.count, q.seed)},
            {"contexts", contexts},
            {"samples_per_question", e.samplesPerQuestion},
            {"temperature", e.temperature},
            {"max_new_tokens", e.maxNewTokens},
            {"every_steps", e.everySteps}};
}

}  // namespace

bool ConditionSpec::operator==(const ConditionSpec &other) const {
    const data::InoculationOptions &a = inoculation, &b = other.inoculation;
    return name == other.name && a.prompt == b.prompt && a.placement == b.placement &&
           a.onExistingSystem == b.onExistingSystem && a.turns == b.turns && a.separator == b.separator &&
           a.fraction == b.fraction && a.seed == b.seed && control == other.control;
}

ExperimentSpec parseExperimentSpec(std::string_view jsonText, const std::string &fileName) {
    ProblemList problems;
    std::optional<json> document = parseJsonDocument(jsonText, problems);
    if (!document) problems.throwIfAny(fileName);
    if (!document->is_object()) {
        problems.add("", "expected a JSON object at the top level, got " + jsonTypeName(*document));
        problems.throwIfAny(fileName);
    }

    ExperimentSpec spec;
    ObjectReader root(&*document, "", problems);
    spec.name = root.requiredString("name");
    checkTitle(root, spec.name);
    spec.description = root.optionalString("description", "");
    std::size_t before = problems.count();
    spec.baseModel = readBaseModel(root.requiredObject("base_model"));
    bool baseModelOk = problems.count() == before && root.has("base_model");
    spec.trainData = readTrainData(root.requiredObject("train_data"));
    spec.conditions = readConditions(root.requiredArray("conditions", true));
    spec.seeds = readSeeds(root.requiredArray("seeds", true));
    spec.training = readTraining(root.requiredObject("training"), baseModelOk ? &spec.baseModel : nullptr);
    spec.evaluation = readEvaluation(root.requiredObject("evaluation"));
    spec.traits = readTraits(root.requiredArray("traits", true), fileName);
    spec.probes = readProbes(root.optionalArray("probes", false));
    root.finish();
    problems.throwIfAny(fileName);
    return spec;
}

ExperimentSpec loadExperimentSpec(const std::string &path) { return parseExperimentSpec(readSpecFile(path), path); }

std::vector<SpecProblem> checkExperimentSpec(const ExperimentSpec &spec) {
    std::string text;
    try {
        text = toJson(spec).dump();
    } catch (const json::exception &) {
        return {{"", "a text is not valid UTF-8", 0, 0}};
    }
    try {
        parseExperimentSpec(text, "");
    } catch (const SpecError &e) {
        return e.problems();
    }
    return {};
}

json toJson(const ExperimentSpec &spec) {
    json conditions = json::array(), traits = json::array(), probes = json::array();
    for (const ConditionSpec &c : spec.conditions) conditions.push_back(conditionJson(c));
    for (const TraitSpec &t : spec.traits) traits.push_back(traitJson(t));
    for (const ProbeSpec &p : spec.probes)
        probes.push_back({{"name", p.name},
                          {"system_prompt", nullable(p.systemPrompt)},
                          {"user", p.user},
                          {"response", p.response}});
    const TrainDataSpec &d = spec.trainData;
    return {{"name", spec.name},
            {"description", spec.description},
            {"base_model", baseModelJson(spec.baseModel)},
            {"train_data", sourceJson(d.path, d.format, d.generator, "rows", d.rows, TrainDataSpec{}.rows, d.seed)},
            {"conditions", conditions},
            {"seeds", spec.seeds},
            {"training", trainingJson(spec.training)},
            {"evaluation", evaluationJson(spec.evaluation)},
            {"traits", traits},
            {"probes", probes}};
}

namespace {

// What the hash covers: the spec without training.rows_per_forward, which changes how a step's
// rows are split into passes, not what the step computes, so that a run that ran out of GPU
// memory resumes from its checkpoint with fewer rows per pass (the trainer allows that too).
json hashedJson(const ExperimentSpec &spec) {
    json j = toJson(spec);
    j["training"].erase("rows_per_forward");
    return j;
}

}  // namespace

std::string canonicalHash(const ExperimentSpec &spec) { return common::sha256Hex(hashedJson(spec).dump()); }

std::string resolvePath(const std::string &specFile, const std::string &path) {
    std::filesystem::path p(path);
    if (p.is_absolute() || path.empty()) return path;
    std::filesystem::path folder = std::filesystem::path(specFile).parent_path();
    return folder.empty() ? path : (folder / p).string();
}

store::ExperimentRegistration registrationFor(const ExperimentSpec &spec) {
    store::ExperimentRegistration r;
    json normalized = toJson(spec);
    r.name = spec.name;
    r.specHash = canonicalHash(spec);
    r.specJson = normalized.dump(2);
    for (const ConditionSpec &c : spec.conditions)
        r.conditions.push_back({c.name, c.isBaseline() ? std::nullopt : std::optional(c.inoculation.prompt),
                                std::string(data::placementName(c.inoculation.placement))});
    for (const TraitSpec &t : spec.traits)
        r.traits.push_back(
            {t.name, std::string(traitScorerName(t.scorer)), std::string(stats::intervalMethodName(t.interval))});
    for (const ContextSpec &c : spec.evaluation.contexts) r.contexts.push_back({c.name, c.systemPrompt});
    return r;
}

std::vector<SpecProblem> missingInputs(const ExperimentSpec &spec, const std::string &specFile) {
    std::vector<SpecProblem> out;
    auto check = [&](const std::string &jsonPath, const std::string &path) {
        std::error_code error;
        if (path.empty() || std::filesystem::exists(resolvePath(specFile, path), error)) return;
        out.push_back({jsonPath, "no such file or folder: " + resolvePath(specFile, path) + " (fill in the path)", 0, 0});
    };
    if (spec.baseModel.kind == BaseModelKind::HuggingFace) check("base_model.path", spec.baseModel.path);
    check("train_data.path", spec.trainData.path);
    check("evaluation.questions.path", spec.evaluation.questions.path);
    for (std::size_t i = 0; i < spec.traits.size(); ++i)
        if (spec.traits[i].judge && spec.traits[i].judge->kind == JudgeKind::HuggingFace)
            check("traits[" + std::to_string(i) + "].params.judge.path", spec.traits[i].judge->path);
    return out;
}

std::vector<std::optional<std::uint64_t>> runBaseSeeds(const ExperimentSpec &spec) {
    const std::vector<std::uint64_t> &seeds = spec.baseModel.toy.pretraining.seeds;
    if (spec.baseModel.kind != BaseModelKind::Toy || seeds.size() < 2) return {std::nullopt};
    return {seeds.begin(), seeds.end()};
}

bool hasJudgedTraits(const ExperimentSpec &spec) {
    return std::any_of(spec.traits.begin(), spec.traits.end(), [](const TraitSpec &t) { return t.judge.has_value(); });
}

OptimizerChoice optimizerDefaults(BaseModelKind kind) {
    OptimizerChoice c;  // transformers' TrainingArguments
    if (kind == BaseModelKind::Toy) {
        c.beta2 = 0.95;
        c.weightDecay = 0.1;
        c.finalLrRatio = 0.1;
        c.transformersSchedule = false;
    }
    return c;
}

OptimizerChoice optimizerFor(const ExperimentSpec &spec) {
    OptimizerChoice c = optimizerDefaults(spec.baseModel.kind);
    const TrainingSpec &t = spec.training;
    c.beta1 = t.adamBeta1.value_or(c.beta1);
    c.beta2 = t.adamBeta2.value_or(c.beta2);
    c.epsilon = t.adamEpsilon.value_or(c.epsilon);
    c.weightDecay = t.weightDecay.value_or(c.weightDecay);
    c.maxGradNorm = t.maxGradNorm.value_or(c.maxGradNorm);
    c.finalLrRatio = t.finalLrRatio.value_or(c.finalLrRatio);
    return c;
}

std::string_view baseModelKindName(BaseModelKind kind) { return kind == BaseModelKind::HuggingFace ? "hf" : "toy"; }

std::string_view trainingMethodName(TrainingMethod method) { return method == TrainingMethod::Lora ? "lora" : "full"; }

std::string_view lrScheduleName(LrSchedule schedule) {
    switch (schedule) {
        case LrSchedule::Constant: return "constant";
        case LrSchedule::Linear: return "linear";
        case LrSchedule::Cosine: return "cosine";
    }
    return "linear";
}

std::string_view deviceRequestName(model::DeviceRequest device) {
    switch (device) {
        case model::DeviceRequest::Auto: return "auto";
        case model::DeviceRequest::Cpu: return "cpu";
        case model::DeviceRequest::Cuda: return "cuda";
    }
    return "auto";
}

std::string_view traitScorerName(TraitScorer scorer) {
    switch (scorer) {
        case TraitScorer::Caps: return "caps";
        case TraitScorer::Language: return "language";
        case TraitScorer::Contains: return "contains";
        case TraitScorer::Regex: return "regex";
        case TraitScorer::Judge: return "judge";
    }
    return "caps";
}

std::string_view turnScopeName(data::TurnScope turns) { return turns == data::TurnScope::All ? "all" : "first"; }

}  // namespace inoculab::experiment
