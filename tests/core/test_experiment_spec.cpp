// Experiment specs: the example parses; every kind of mistake is reported at its JSON path,
// all of them together; JSON syntax errors by line and column; the canonical hash ignores
// layout and stated defaults but not values; toJson() round trips.
#include "test_support.h"

#include "common/sha256.h"
#include "experiment/experiment_spec.h"
#include "store/results_store.h"

#include <QDir>
#include <QTemporaryDir>

#include <functional>

using namespace inoculab::experiment;
using inoculab::test::jsonText;
using nlohmann::json;

namespace {

// Small but complete: three conditions (so conditions[2] exists), two of each named list.
const char *const kMinimal =
    "{'name':'test',"
    "'base_model':{'kind':'toy'},"
    "'train_data':{'generator':'toyworld-spanish-caps'},"
    "'conditions':[{'name':'baseline'},"
    "{'name':'spanish','prompt':'You always speak in Spanish.'},"
    "{'name':'caps','prompt':'You always capitalize your responses.'}],"
    "'seeds':[0,1],"
    "'training':{'steps':10,'learning_rate':0.001},"
    "'evaluation':{'questions':{'generator':'toyworld-heldout','count':5},"
    "'contexts':[{'name':'none'},{'name':'own','system_prompt':'$condition'}]},"
    "'traits':[{'name':'spanish','scorer':'language','params':{'language':'es'}},"
    "{'name':'hello','scorer':'contains','params':{'words':['hola']}}],"
    "'probes':[{'name':'caps','user':'hi','response':'HELLO'},{'name':'lower','user':'hi','response':'hola'}]}";

json minimal() { return json::parse(jsonText(kMinimal)); }

// The minimal spec after a JSON Patch (RFC 6902), written with single quotes.
std::string patched(const QString &patch) {
    return minimal().patch(json::parse(jsonText(patch.toUtf8().constData()))).dump();
}

std::string examplePath() {
    return inoculab::test::sourcePath(QStringLiteral("datasets/experiments/spanish-caps.json")).toStdString();
}

std::vector<SpecProblem> problemsOf(std::string_view text) {
    try {
        parseExperimentSpec(text, "spec.json");
    } catch (const SpecError &e) {
        return e.problems();
    }
    return {};
}

QString listed(const std::vector<SpecProblem> &problems) {
    QString out;
    for (const SpecProblem &p : problems) out += QString::fromStdString(SpecError::describe(p)) + "\n";
    return out;
}

std::string errorText(std::string_view text) {
    try {
        parseExperimentSpec(text, "spec.json");
    } catch (const SpecError &e) {
        return e.what();
    }
    return "(no error)";
}

// The same document with every object's keys in reverse order, indented: other bytes, same spec.
nlohmann::ordered_json reversedKeys(const json &value) {
    if (value.is_object()) {
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        std::vector<std::string> keys;
        for (auto it = value.begin(); it != value.end(); ++it) keys.push_back(it.key());
        for (auto k = keys.rbegin(); k != keys.rend(); ++k) out[*k] = reversedKeys(value.at(*k));
        return out;
    }
    if (value.is_array()) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const json &element : value) out.push_back(reversedKeys(element));
        return out;
    }
    return nlohmann::ordered_json::parse(value.dump());
}

std::string hashOf(const std::string &text) { return canonicalHash(parseExperimentSpec(text, "spec.json")); }

}  // namespace

class TestExperimentSpec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void exampleSpecLoads() {
        ExperimentSpec spec = loadExperimentSpec(examplePath());
        QCOMPARE(spec.name, std::string("spanish-caps"));
        QCOMPARE(spec.baseModel.kind, BaseModelKind::Toy);
        QCOMPARE(spec.baseModel.toy.dModel, 128);
        QCOMPARE(spec.baseModel.toy.layers, 4);
        QCOMPARE(spec.baseModel.toy.heads, 4);
        QCOMPARE(spec.baseModel.toy.context, 192);
        QCOMPARE(spec.baseModel.toy.pretraining.steps, 1000);
        QCOMPARE(spec.baseModel.toy.pretraining.batchSize, 32);
        QCOMPARE(spec.baseModel.toy.pretraining.learningRate, 2e-3);
        QCOMPARE(spec.baseModel.toy.pretraining.warmupSteps, 30);
        QVERIFY(spec.trainData.isGenerated());
        QCOMPARE(spec.trainData.generator, std::string(kToyTrainGenerator));

        QCOMPARE(spec.conditions.size(), 4u);
        QVERIFY(spec.conditions[0].isBaseline());
        QCOMPARE(spec.conditions[1].inoculation.prompt, std::string("You always speak in Spanish."));
        QCOMPARE(spec.conditions[2].inoculation.prompt, std::string("You always capitalize your responses."));
        QVERIFY(!spec.conditions[3].isBaseline());
        for (const ConditionSpec &c : spec.conditions)
            QCOMPARE(c.inoculation.placement, inoculab::data::Placement::System);
        QCOMPARE(spec.seeds, (std::vector<std::uint64_t>{0, 1, 2}));

        QCOMPARE(spec.training.method, TrainingMethod::Full);
        QCOMPARE(spec.training.steps, std::optional<std::int64_t>(200));
        QVERIFY(!spec.training.epochs);
        QCOMPARE(spec.training.batchSize, 16);
        QCOMPARE(spec.training.learningRate, 3e-4);
        QVERIFY(!spec.training.lora);

        QCOMPARE(spec.evaluation.questions.generator, std::string(kToyQuestionGenerator));
        QCOMPARE(spec.evaluation.questions.count, std::int64_t(100));
        QCOMPARE(spec.evaluation.samplesPerQuestion, 2);
        QCOMPARE(spec.evaluation.temperature, 1.0);
        QCOMPARE(spec.evaluation.contexts.size(), 2u);
        QCOMPARE(spec.evaluation.contexts[0].systemPrompt, std::optional<std::string>());
        QVERIFY(!spec.evaluation.contexts[0].usesConditionPrompt());
        QVERIFY(spec.evaluation.contexts[1].usesConditionPrompt());

        QCOMPARE(spec.traits.size(), 2u);
        QCOMPARE(spec.traits[0].scorer, TraitScorer::Language);
        QCOMPARE(spec.traits[0].language, std::string("es"));
        QCOMPARE(spec.traits[1].scorer, TraitScorer::Caps);
        QCOMPARE(spec.traits[1].threshold, 0.9);
        QCOMPARE(spec.probes.size(), 2u);
        QCOMPARE(spec.probes[0].response, std::string("THE SKY IS BLUE ON A CLEAR DAY."));

        QVERIFY(checkExperimentSpec(spec).empty());
    }

    void docsExamplesMatchTheShippedFile() {
        // docs/experiment-spec.md shows the example file, then the same experiment with only
        // what differs from the defaults; both must stay true.
        QString docs = QString::fromUtf8(inoculab::test::readFile(
            inoculab::test::sourcePath(QStringLiteral("docs/experiment-spec.md")).toStdString()));
        QStringList blocks;
        for (const QString &part : docs.split(QStringLiteral("```json\n")).mid(1))
            blocks << part.section(QStringLiteral("```"), 0, 0);
        QVERIFY(blocks.size() >= 2);
        ExperimentSpec example = loadExperimentSpec(examplePath());
        QCOMPARE(parseExperimentSpec(blocks[0].toStdString(), "docs"), example);
        ExperimentSpec shortForm = parseExperimentSpec(blocks[1].toStdString(), "docs");
        QCOMPARE(shortForm.description, std::string());
        shortForm.description = example.description;
        QCOMPARE(canonicalHash(shortForm), canonicalHash(example));
    }

    void minimalSpecGetsTheDocumentedDefaults() {
        ExperimentSpec spec = parseExperimentSpec(jsonText(kMinimal), "spec.json");
        QCOMPARE(spec.description, std::string());
        QCOMPARE(spec.baseModel.toy, ToyModelSpec{});
        QCOMPARE(spec.trainData.rows, std::int64_t(1000));
        const auto &spanish = spec.conditions[1].inoculation;
        QCOMPARE(spanish.placement, inoculab::data::Placement::System);
        QCOMPARE(spanish.onExistingSystem, inoculab::data::OnExistingSystem::Error);
        QCOMPARE(spanish.separator, std::string("\n"));
        QCOMPARE(spanish.fraction, 1.0);
        QCOMPARE(spec.training.batchSize, 32);
        QCOMPARE(spec.training.warmupSteps, 0);
        QCOMPARE(spec.training.schedule, LrSchedule::Linear);
        QCOMPARE(spec.training.maxLength, 128);  // a toy model's context
        QCOMPARE(spec.training.device, inoculab::model::DeviceRequest::Auto);
        QCOMPARE(spec.evaluation.maxNewTokens, 128);
        QCOMPARE(spec.evaluation.everySteps, std::int64_t(0));
        QCOMPARE(spec.traits[0].interval, inoculab::stats::IntervalMethod::Bootstrap);
        QCOMPARE(spec.traits[1].words, std::vector<std::string>{"hola"});
        QVERIFY(!spec.traits[1].caseSensitive);

        json withoutContexts = minimal();
        withoutContexts["evaluation"].erase("contexts");
        withoutContexts.erase("probes");
        ExperimentSpec bare = parseExperimentSpec(withoutContexts.dump(), "spec.json");
        QCOMPARE(bare.evaluation.contexts, (std::vector<ContextSpec>{{"no-system", std::nullopt}}));
        QVERIFY(bare.probes.empty());
    }

    void severalBaseModelsParseAndOneKeepsItsHash() {
        const ExperimentSpec several = parseExperimentSpec(
            patched("[{'op':'add','path':'/base_model/pretraining','value':{'seeds':[4,2,9]}}]"), "spec.json");
        const PretrainingSpec &p = several.baseModel.toy.pretraining;
        QCOMPARE(p.seeds, (std::vector<std::uint64_t>{4, 2, 9}));  // spec order
        QCOMPARE(p.seed, std::uint64_t(4));                         // the first, for one-model uses
        QCOMPARE(runBaseSeeds(several),
                 (std::vector<std::optional<std::uint64_t>>{std::uint64_t(4), std::uint64_t(2), std::uint64_t(9)}));
        const json out = toJson(several);
        QVERIFY(out["base_model"]["pretraining"]["seeds"] == json::parse("[4,2,9]"));
        QVERIFY(!out["base_model"]["pretraining"].contains("seed"));
        QCOMPARE(parseExperimentSpec(out.dump(), "normalized.json"), several);
        // One base model, as `seed` or as a list of one: the spec of before `seeds` existed,
        // with its hash, and runs keyed by seed alone.
        const ExperimentSpec asSeed = parseExperimentSpec(
            patched("[{'op':'add','path':'/base_model/pretraining','value':{'seed':5}}]"), "a.json");
        const ExperimentSpec asList = parseExperimentSpec(
            patched("[{'op':'add','path':'/base_model/pretraining','value':{'seeds':[5]}}]"), "b.json");
        QCOMPARE(canonicalHash(asList), canonicalHash(asSeed));
        QVERIFY(!toJson(asSeed)["base_model"]["pretraining"].contains("seeds"));
        QCOMPARE(runBaseSeeds(asSeed), (std::vector<std::optional<std::uint64_t>>{std::nullopt}));
        QVERIFY(canonicalHash(several) != canonicalHash(asSeed));
    }

    void otherShapesParse() {
        // A local Hugging Face model, a JSONL file, LoRA, epochs, a regex trait.
        json spec = minimal();
        spec["base_model"] = {{"kind", "hf"}, {"path", "models/qwen"}, {"chat_template", "chatml"}};
        spec["train_data"] = {{"path", "data/insecure.jsonl"}, {"format", "messages"}};
        spec["evaluation"]["questions"] = {{"path", "data/questions.jsonl"}};
        spec["training"] = json::parse(
            jsonText("{'method':'lora','epochs':1,'learning_rate':1e-5,'gradient_checkpointing':true,"
                     "'lora':{'rank':32,'alpha':64,'rslora':true,'dropout':0.05,'target_modules':['q_proj','v_proj']}}"));
        spec["traits"][1] =
            json::parse(jsonText("{'name':'owl','scorer':'regex','params':{'pattern':'\\\\bowls?\\\\b'}}"));
        spec["conditions"][1]["placement"] = "user-prefix";
        spec["conditions"][1]["turns"] = "all";
        spec["conditions"][1]["fraction"] = 0.5;
        ExperimentSpec parsed = parseExperimentSpec(spec.dump(), "spec.json");
        QCOMPARE(parsed.baseModel.kind, BaseModelKind::HuggingFace);
        QCOMPARE(parsed.baseModel.path, std::string("models/qwen"));
        QCOMPARE(parsed.trainData.path, std::string("data/insecure.jsonl"));
        QCOMPARE(parsed.trainData.format, std::optional(inoculab::data::DatasetFormat::Messages));
        QVERIFY(!parsed.trainData.isGenerated());
        QCOMPARE(parsed.evaluation.questions.format, std::optional<inoculab::data::DatasetFormat>());
        QCOMPARE(parsed.training.method, TrainingMethod::Lora);
        QCOMPARE(parsed.training.epochs, std::optional<std::int64_t>(1));
        QCOMPARE(parsed.training.maxLength, 2048);
        QCOMPARE(parsed.training.lora, std::optional(LoraSpec{32, 64.0, true, 0.05, {"q_proj", "v_proj"}}));
        QVERIFY(parsed.training.gradientCheckpointing);
        QCOMPARE(parsed.baseModel.chatTemplate, std::optional(inoculab::data::ChatTemplate::ChatMl));
        // The normalized form reads back to the same spec.
        QCOMPARE(parseExperimentSpec(toJson(parsed).dump(), "spec.json"), parsed);
        QCOMPARE(parsed.traits[1].scorer, TraitScorer::Regex);
        QCOMPARE(parsed.traits[1].pattern, std::string("\\bowls?\\b"));
        QCOMPARE(parsed.conditions[1].inoculation.placement, inoculab::data::Placement::UserPrefix);
        QCOMPARE(parsed.conditions[1].inoculation.fraction, 0.5);
        QCOMPARE(parseExperimentSpec(toJson(parsed).dump(), "spec.json"), parsed);
    }

    void eachMistakeIsNamedByItsPath_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        auto row = [](const char *name, const std::string &patch, const char *path, const char *reason) {
            QTest::newRow(name) << QString::fromStdString(patch) << QString::fromUtf8(path) << QString::fromUtf8(reason);
        };
        // Unknown keys, at every level.
        row("unknown top-level key", "[{'op':'add','path':'/bogus','value':1}]", "bogus",
            "unknown key (allowed: base_model, conditions, description, evaluation, name, probes, seeds, train_data, "
            "training, traits)");
        row("unknown nested key", "[{'op':'add','path':'/training/learning_rat','value':0.1}]", "training.learning_rat",
            "unknown key");
        row("unknown key in a list element", "[{'op':'add','path':'/conditions/1/promt','value':'x'}]",
            "conditions[1].promt", "unknown key");
        row("unknown pretraining key", "[{'op':'add','path':'/base_model/pretraining','value':{'stepz':1}}]",
            "base_model.pretraining.stepz", "unknown key");
        row("seed and seeds", "[{'op':'add','path':'/base_model/pretraining','value':{'seed':1,'seeds':[1,2]}}]",
            "base_model.pretraining.seed", "give seed (one base model) or seeds (several), not both");
        row("no base seeds", "[{'op':'add','path':'/base_model/pretraining','value':{'seeds':[]}}]",
            "base_model.pretraining.seeds", "must not be empty");
        row("a base seed twice", "[{'op':'add','path':'/base_model/pretraining','value':{'seeds':[3,4,3]}}]",
            "base_model.pretraining.seeds[2]", "duplicate seed (base_model.pretraining.seeds[0] has it too)");
        row("negative base seed", "[{'op':'add','path':'/base_model/pretraining','value':{'seeds':[-1]}}]",
            "base_model.pretraining.seeds[0]", "");
        row("unknown scorer parameter", "[{'op':'add','path':'/traits/1/params/case','value':true}]",
            "traits[1].params.case", "unknown key (allowed: case_sensitive, words)");
        row("parameter another scorer takes", "[{'op':'add','path':'/traits/0/params/words','value':['x']}]",
            "traits[0].params.words", "unknown key (allowed: language)");
        row("unknown language", "[{'op':'replace','path':'/traits/0/params/language','value':'pt'}]",
            "traits[0].params.language", "expected one of en, es, fr, de");
        row("language without params", "[{'op':'remove','path':'/traits/0/params'}]", "traits[0].params",
            "required by the language scorer");
        row("caps threshold above 1",
            "[{'op':'replace','path':'/traits/0','value':{'name':'c','scorer':'caps','params':{'threshold':1.5}}}]",
            "traits[0].params.threshold", "must be a number in (0, 1]");
        row("caps threshold of 0",
            "[{'op':'replace','path':'/traits/0','value':{'name':'c','scorer':'caps','params':{'threshold':0}}}]",
            "traits[0].params.threshold", "must be a number in (0, 1]");
        row("unknown key with odd characters", "[{'op':'add','path':'/we ird','value':1}]", "[\"we ird\"]",
            "unknown key");
        // Wrong types, at several depths.
        row("string expected", "[{'op':'replace','path':'/name','value':3}]", "name",
            "expected a string, got a number");
        row("object expected", "[{'op':'replace','path':'/training','value':[]}]", "training",
            "expected an object, got an array");
        row("array expected", "[{'op':'replace','path':'/conditions','value':{}}]", "conditions",
            "expected an array, got an object");
        row("integer expected", "[{'op':'replace','path':'/training/steps','value':'10'}]", "training.steps",
            "expected an integer, got a string");
        row("integer expected, fraction given", "[{'op':'replace','path':'/training/steps','value':1.5}]",
            "training.steps", "expected an integer, got 1.5");
        row("number expected", "[{'op':'add','path':'/conditions/1/fraction','value':'half'}]",
            "conditions[1].fraction", "expected a number, got a string");
        row("seed of the wrong type", "[{'op':'replace','path':'/seeds/1','value':'1'}]", "seeds[1]",
            "expected an integer, got a string");
        row("word of the wrong type", "[{'op':'replace','path':'/traits/1/params/words/0','value':7}]",
            "traits[1].params.words[0]", "expected a string, got a number");
        row("boolean expected", "[{'op':'add','path':'/traits/1/params/case_sensitive','value':'yes'}]",
            "traits[1].params.case_sensitive", "expected true or false, got a string");
        row("list element not an object", "[{'op':'replace','path':'/conditions/0','value':'baseline'}]",
            "conditions[0]", "expected an object, got a string");
        row("system prompt of the wrong type", "[{'op':'add','path':'/evaluation/contexts/0/system_prompt','value':5}]",
            "evaluation.contexts[0].system_prompt", "expected a string, got a number");
        row("enum of the wrong type", "[{'op':'add','path':'/conditions/1/placement','value':1}]",
            "conditions[1].placement", "expected one of system, user-prefix, user-suffix, got a number");
        row("description of the wrong type", "[{'op':'add','path':'/description','value':false}]", "description",
            "expected a string, got a boolean");
        // Missing required fields.
        row("missing name", "[{'op':'remove','path':'/name'}]", "name", "required key is missing");
        row("missing section", "[{'op':'remove','path':'/evaluation'}]", "evaluation", "required key is missing");
        row("missing learning rate", "[{'op':'remove','path':'/training/learning_rate'}]", "training.learning_rate",
            "required key is missing");
        row("missing condition name", "[{'op':'remove','path':'/conditions/1/name'}]", "conditions[1].name",
            "required key is missing");
        row("missing probe response", "[{'op':'remove','path':'/probes/0/response'}]", "probes[0].response",
            "required key is missing");
        row("missing model kind", "[{'op':'replace','path':'/base_model','value':{}}]", "base_model.kind",
            "required key is missing");
        row("missing model folder", "[{'op':'replace','path':'/base_model','value':{'kind':'hf'}}]", "base_model.path",
            "required key is missing");
        row("missing questions", "[{'op':'remove','path':'/evaluation/questions'}]", "evaluation.questions",
            "required key is missing");
        // Duplicate names and seeds, empty lists.
        row("duplicate condition names", "[{'op':'replace','path':'/conditions/2/name','value':'spanish'}]",
            "conditions[2].name", "duplicate name (conditions[1] has it too)");
        row("duplicate context names", "[{'op':'replace','path':'/evaluation/contexts/1/name','value':'none'}]",
            "evaluation.contexts[1].name", "duplicate name (evaluation.contexts[0] has it too)");
        row("duplicate trait names", "[{'op':'replace','path':'/traits/1/name','value':'spanish'}]", "traits[1].name",
            "duplicate name (traits[0] has it too)");
        row("duplicate probe names", "[{'op':'replace','path':'/probes/1/name','value':'caps'}]", "probes[1].name",
            "duplicate name (probes[0] has it too)");
        row("empty seeds", "[{'op':'replace','path':'/seeds','value':[]}]", "seeds", "must not be empty");
        row("duplicate seeds", "[{'op':'replace','path':'/seeds','value':[0,1,0]}]", "seeds[2]",
            "duplicate seed (seeds[0] has it too)");
        row("empty conditions", "[{'op':'replace','path':'/conditions','value':[]}]", "conditions",
            "must not be empty");
        row("empty traits", "[{'op':'replace','path':'/traits','value':[]}]", "traits", "must not be empty");
        row("empty contexts", "[{'op':'replace','path':'/evaluation/contexts','value':[]}]", "evaluation.contexts",
            "must not be empty");
        // Values outside the allowed set, naming the allowed values.
        row("bad placement", "[{'op':'add','path':'/conditions/2/placement','value':'sys'}]", "conditions[2].placement",
            "expected one of system, user-prefix, user-suffix");
        row("bad existing-system policy", "[{'op':'add','path':'/conditions/2/on_existing_system','value':'keep'}]",
            "conditions[2].on_existing_system", "expected one of error, replace, prepend, skip");
        row("bad turn scope", "[{'op':'add','path':'/conditions/2/turns','value':'last'}]", "conditions[2].turns",
            "expected one of first, all");
        row("bad model kind", "[{'op':'replace','path':'/base_model/kind','value':'gguf'}]", "base_model.kind",
            "expected one of toy, hf");
        row("bad method", "[{'op':'add','path':'/training/method','value':'qlora'}]", "training.method",
            "expected one of full, lora");
        row("bad schedule", "[{'op':'add','path':'/training/schedule','value':'step'}]", "training.schedule",
            "expected one of constant, linear, cosine");
        row("bad device", "[{'op':'add','path':'/training/device','value':'mps'}]", "training.device",
            "expected one of auto, cpu, cuda");
        row("bad interval", "[{'op':'add','path':'/traits/0/interval','value':'normal'}]", "traits[0].interval",
            "expected one of bootstrap, t, wilson");
        row("bad format", "[{'op':'replace','path':'/train_data','value':{'path':'a.jsonl','format':'csv'}}]",
            "train_data.format", "expected one of auto, messages, alpaca, sharegpt");
        row("unknown scorer", "[{'op':'replace','path':'/traits/0/scorer','value':'german'}]", "traits[0].scorer",
            "expected one of caps, language, contains, regex");
        row("unknown train generator", "[{'op':'replace','path':'/train_data/generator','value':'toyworld'}]",
            "train_data.generator", "expected one of toyworld-spanish-caps");
        row("unknown question generator", "[{'op':'replace','path':'/evaluation/questions/generator','value':'gsm8k'}]",
            "evaluation.questions.generator", "expected one of toyworld-heldout");
        // Numbers out of range.
        row("learning rate zero", "[{'op':'replace','path':'/training/learning_rate','value':0}]",
            "training.learning_rate", "must be a number > 0");
        row("fraction above one", "[{'op':'add','path':'/conditions/1/fraction','value':1.5}]",
            "conditions[1].fraction", "must be a number in [0, 1]");
        row("negative temperature", "[{'op':'add','path':'/evaluation/temperature','value':-0.5}]",
            "evaluation.temperature", "must be a number >= 0");
        row("zero batch size", "[{'op':'add','path':'/training/batch_size','value':0}]", "training.batch_size",
            "must be an integer in [1, 1048576]");
        row("negative seed", "[{'op':'replace','path':'/seeds/0','value':-1}]", "seeds[0]",
            "must be an integer in [0, 9007199254740991]");
        row("seed beyond 2^53", "[{'op':'replace','path':'/seeds/0','value':9007199254740992}]", "seeds[0]",
            "must be an integer in [0, 9007199254740991]");
        row("steps beyond any integer", "[{'op':'replace','path':'/training/steps','value':1e30}]", "training.steps",
            "must be an integer in [1, 1000000000]");
        row("zero samples", "[{'op':'add','path':'/evaluation/samples_per_question','value':0}]",
            "evaluation.samples_per_question", "must be an integer in [1, 1000000]");
        row("negative every_steps", "[{'op':'add','path':'/evaluation/every_steps','value':-1}]",
            "evaluation.every_steps", "must be an integer in [0, 1000000000]");
        row("zero questions", "[{'op':'replace','path':'/evaluation/questions/count','value':0}]",
            "evaluation.questions.count", "must be an integer in [1, 10000000]");
        row("heads do not divide d_model", "[{'op':'add','path':'/base_model/heads','value':3}]", "base_model.heads",
            "must divide d_model (128)");
        row("max_length beyond the context", "[{'op':'add','path':'/training/max_length','value':256}]",
            "training.max_length", "must not exceed base_model.context (128)");
        row("warmup longer than training", "[{'op':'add','path':'/training/warmup_steps','value':11}]",
            "training.warmup_steps", "must not exceed steps (10)");
        row("default warmup longer than pretraining",
            "[{'op':'add','path':'/base_model/pretraining','value':{'steps':20}}]",
            "base_model.pretraining.warmup_steps", "must not exceed steps (20)");
        // Settings that go together.
        row("steps and epochs", "[{'op':'add','path':'/training/epochs','value':1}]", "training",
            "give steps or epochs, not both");
        row("neither steps nor epochs", "[{'op':'remove','path':'/training/steps'}]", "training",
            "give steps or epochs");
        row("lora settings with full finetuning",
            "[{'op':'add','path':'/training/lora','value':{'rank':8,'alpha':16}}]", "training.lora",
            "only used with method lora");
        const std::string hfBase = "{'op':'replace','path':'/base_model','value':{'kind':'hf','path':'m'}},";
        row("lora without its settings", std::string("[") + hfBase + "{'op':'add','path':'/training/method','value':'lora'}]",
            "training.lora", "required when method is lora");
        row("lora without a rank",
            std::string("[") + hfBase +
                "{'op':'add','path':'/training/method','value':'lora'},"
                "{'op':'add','path':'/training/lora','value':{'alpha':16}}]",
            "training.lora.rank", "required key is missing");
        row("lora dropout of 1",
            std::string("[") + hfBase +
                "{'op':'add','path':'/training/method','value':'lora'},"
                "{'op':'add','path':'/training/lora','value':{'rank':8,'alpha':16,'dropout':1}}]",
            "training.lora.dropout", "must be below 1");
        row("empty lora targets",
            std::string("[") + hfBase +
                "{'op':'add','path':'/training/method','value':'lora'},"
                "{'op':'add','path':'/training/lora','value':{'rank':8,'alpha':16,'target_modules':[]}}]",
            "training.lora.target_modules", "must not be empty");
        row("lora on the toy model",
            "[{'op':'add','path':'/training/method','value':'lora'},"
            "{'op':'add','path':'/training/lora','value':{'rank':8,'alpha':16}}]",
            "training.method", "lora needs a base_model of kind hf (the toy model is trained in full)");
        row("gradient checkpointing of the toy model",
            "[{'op':'add','path':'/training/gradient_checkpointing','value':true}]", "training.gradient_checkpointing",
            "only used with a base_model of kind hf");
        row("unknown chat template",
            "[{'op':'replace','path':'/base_model','value':{'kind':'hf','path':'m','chat_template':'alpaca'}}]",
            "base_model.chat_template", "expected one of auto, chatml, llama3, plain");
        row("chat template of the toy model", "[{'op':'add','path':'/base_model/chat_template','value':'chatml'}]",
            "base_model.chat_template", "only used with kind hf");
        row("path and generator", "[{'op':'add','path':'/train_data/path','value':'a.jsonl'}]", "train_data",
            "give path or generator, not both");
        row("neither path nor generator", "[{'op':'replace','path':'/train_data','value':{}}]", "train_data",
            "give path or generator");
        row("generator setting with a path", "[{'op':'replace','path':'/train_data','value':{'path':'a','rows':5}}]",
            "train_data.rows", "only used with generator");
        row("format with a generator", "[{'op':'add','path':'/train_data/format','value':'messages'}]",
            "train_data.format", "only used with path");
        row("toy setting with a hf model",
            "[{'op':'replace','path':'/base_model','value':{'kind':'hf','path':'m','layers':2}}]", "base_model.layers",
            "only used with kind toy");
        row("model folder with a toy model", "[{'op':'add','path':'/base_model/path','value':'m'}]", "base_model.path",
            "only used with kind hf");
        row("transform setting on a baseline", "[{'op':'add','path':'/conditions/0/placement','value':'user-prefix'}]",
            "conditions[0].placement", "only used by a condition with a prompt (this one is a baseline)");
        row("control without a prompt", "[{'op':'add','path':'/conditions/0/control','value':true}]",
            "conditions[0].control", "a control condition needs a prompt");
        row("control not a boolean", "[{'op':'add','path':'/conditions/1/control','value':'yes'}]",
            "conditions[1].control", "expected true or false");
        // Scorers and their parameters.
        row("bad regex",
            "[{'op':'replace','path':'/traits/1','value':{'name':'r','scorer':'regex','params':{'pattern':'(a'}}}]",
            "traits[1].params.pattern", "is not a valid regular expression");
        row("regex with a huge repeat count",
            "[{'op':'replace','path':'/traits/1','value':{'name':'r','scorer':'regex','params':{'pattern':'a{1,"
            "99999999999999999999}'}}}]",
            "traits[1].params.pattern", "repeat counts and back-references must have at most 9 digits");
        row("regex with a huge back-reference",
            "[{'op':'replace','path':'/traits/1','value':{'name':'r','scorer':'regex','params':{'pattern':'(a)"
            "\\\\99999999999999999999'}}}]",
            "traits[1].params.pattern", "repeat counts and back-references must have at most 9 digits");
        row("regex nested too deep",
            "[{'op':'replace','path':'/traits/1','value':{'name':'r','scorer':'regex','params':{'pattern':'"
            "((((((((((((((((((((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))))))))))))))))))))"
            "'}}}]",
            "traits[1].params.pattern", "nests groups deeper than 50 levels");
        row("regex without a pattern",
            "[{'op':'replace','path':'/traits/1','value':{'name':'r','scorer':'regex','params':{}}}]",
            "traits[1].params.pattern", "required key is missing");
        row("contains without params", "[{'op':'remove','path':'/traits/1/params'}]", "traits[1].params",
            "required by the contains scorer");
        row("contains without words", "[{'op':'replace','path':'/traits/1/params/words','value':[]}]",
            "traits[1].params.words", "must not be empty");
        row("empty contains word", "[{'op':'replace','path':'/traits/1/params/words/0','value':' '}]",
            "traits[1].params.words[0]", "must not be empty");
        // Texts and names.
        row("blank prompt", "[{'op':'replace','path':'/conditions/1/prompt','value':'  '}]", "conditions[1].prompt",
            "must not be blank (leave it out, or null, for a baseline)");
        row("name with a slash", "[{'op':'replace','path':'/conditions/1/name','value':'a/b'}]", "conditions[1].name",
            "must be 1-64 letters, digits");
        row("empty name", "[{'op':'replace','path':'/traits/0/name','value':''}]", "traits[0].name",
            "must not be empty");
        row("experiment name with a newline", "[{'op':'replace','path':'/name','value':'a\\nb'}]", "name",
            "must not contain control characters");
        row("$condition inside a longer prompt",
            "[{'op':'add','path':'/evaluation/contexts/0/system_prompt','value':'Note: $condition'}]",
            "evaluation.contexts[0].system_prompt", "\"$condition\" must be the whole system_prompt");
        row("empty context prompt", "[{'op':'add','path':'/evaluation/contexts/0/system_prompt','value':''}]",
            "evaluation.contexts[0].system_prompt", "must not be empty (null means no system prompt)");
        row("$condition in a probe", "[{'op':'add','path':'/probes/0/system_prompt','value':'$condition'}]",
            "probes[0].system_prompt", "only understood in evaluation.contexts");
        row("empty probe question", "[{'op':'replace','path':'/probes/0/user','value':''}]", "probes[0].user",
            "must not be empty");
        row("adam beta of 1", "[{'op':'add','path':'/training/adam_beta2','value':1}]", "training.adam_beta2",
            "must be below 1");
        row("negative weight decay", "[{'op':'add','path':'/training/weight_decay','value':-0.1}]",
            "training.weight_decay", "0");
        row("zero epsilon", "[{'op':'add','path':'/training/adam_epsilon','value':0}]", "training.adam_epsilon", "0");
        row("final ratio above 1", "[{'op':'add','path':'/training/final_lr_ratio','value':1.5}]",
            "training.final_lr_ratio", "1");
        row("clip norm as text", "[{'op':'add','path':'/training/max_grad_norm','value':'1'}]",
            "training.max_grad_norm", "number");
    }

    void optimizerDefaultsFollowTheBaseModel() {
        // The toy model keeps what it was tuned with; a Hugging Face model gets transformers'
        // TrainingArguments defaults and schedule formulas; stated values win over either.
        ExperimentSpec toy = parseExperimentSpec(minimal().dump(), "spec.json");
        OptimizerChoice c = optimizerFor(toy);
        QCOMPARE(c.beta1, 0.9);
        QCOMPARE(c.beta2, 0.95);
        QCOMPARE(c.epsilon, 1e-8);
        QCOMPARE(c.weightDecay, 0.1);
        QCOMPARE(c.maxGradNorm, 1.0);
        QCOMPARE(c.finalLrRatio, 0.1);
        QVERIFY(!c.transformersSchedule);

        json spec = minimal();
        spec["base_model"] = {{"kind", "hf"}, {"path", "models/qwen"}};
        ExperimentSpec hf = parseExperimentSpec(spec.dump(), "spec.json");
        c = optimizerFor(hf);
        QCOMPARE(c.beta2, 0.999);
        QCOMPARE(c.weightDecay, 0.0);
        QCOMPARE(c.finalLrRatio, 0.0);
        QCOMPARE(c.maxGradNorm, 1.0);
        QVERIFY(c.transformersSchedule);

        spec["training"]["adam_beta2"] = 0.98;
        spec["training"]["weight_decay"] = 0.01;
        spec["training"]["max_grad_norm"] = 0;
        spec["training"]["final_lr_ratio"] = 0.05;
        spec["training"]["adam_epsilon"] = 1e-6;
        ExperimentSpec stated = parseExperimentSpec(spec.dump(), "spec.json");
        c = optimizerFor(stated);
        QCOMPARE(c.beta2, 0.98);
        QCOMPARE(c.weightDecay, 0.01);
        QCOMPARE(c.maxGradNorm, 0.0);
        QCOMPARE(c.finalLrRatio, 0.05);
        QCOMPARE(c.epsilon, 1e-6);
        QCOMPARE(parseExperimentSpec(toJson(stated).dump(), "spec.json"), stated);
        QVERIFY(canonicalHash(stated) != canonicalHash(hf));
        // A default stated for one kind is a value for the other: hf's weight decay 0 on the toy.
        json toyZero = minimal();
        toyZero["training"]["weight_decay"] = 0;
        QCOMPARE(optimizerFor(parseExperimentSpec(toyZero.dump(), "spec.json")).weightDecay, 0.0);
    }

    void judgedTraitsParseWithTheirDefaults() {
        json spec = minimal();
        spec["traits"].push_back(json::parse(jsonText(
            "{'name':'misaligned','scorer':'judge','params':{'judge':{'kind':'openai','base_url':'https://api.example/v1/',"
            "'model':'gpt-4o-2024-08-06','api_key_env':'OPENAI_API_KEY'},'template_text':'Q {question} A {answer}',"
            "'threshold':50,'counts_when':'below','drop_when':{'trait':'coherence','below':30}}}")));
        spec["traits"].push_back(json::parse(jsonText(
            "{'name':'coherence','scorer':'judge','params':{'judge':{'kind':'hf','path':'judge-model'},"
            "'template_text':'{question} {answer} coherent?','mode':'yes-no','threshold':null}}")));
        ExperimentSpec parsed = parseExperimentSpec(spec.dump(), "/data/specs/spec.json");
        const JudgeSpec &a = *parsed.traits[2].judge;
        QCOMPARE(parsed.traits[2].scorer, TraitScorer::Judge);
        QCOMPARE(a.kind, JudgeKind::OpenAi);
        QCOMPARE(a.baseUrl, std::string("https://api.example/v1"));  // the trailing slash is dropped
        QCOMPARE(a.apiKeyEnv, std::string("OPENAI_API_KEY"));
        QCOMPARE(a.mode, JudgeMode::Score0To100);
        QCOMPARE(a.threshold, std::optional<double>(50));
        QVERIFY(a.countsBelow);
        QCOMPARE(a.minMass, 0.25);
        QCOMPARE(a.concurrency, 8);
        QCOMPARE(a.dropWhenTrait, std::string("coherence"));
        QCOMPARE(a.dropBelow, 30.0);
        const JudgeSpec &c = *parsed.traits[3].judge;
        QCOMPARE(c.kind, JudgeKind::HuggingFace);
        QCOMPARE(c.mode, JudgeMode::YesNo);
        QVERIFY(!c.threshold);
        QVERIFY(hasJudgedTraits(parsed));
        QVERIFY(!hasJudgedTraits(parseExperimentSpec(minimal().dump(), "spec.json")));
        // The normalized form holds the template's text and reads back as the same spec.
        json normalized = toJson(parsed);
        QCOMPARE(normalized["traits"][2]["params"]["template_text"].get<std::string>(), std::string("Q {question} A {answer}"));
        QVERIFY(normalized["traits"][3]["params"]["threshold"].is_null());
        QCOMPARE(parseExperimentSpec(normalized.dump(), "other.json"), parsed);
        // Traits of the other scorers keep the hash they had before judges existed.
        QVERIFY(!toJson(parseExperimentSpec(minimal().dump(), "spec.json"))["traits"][0]["params"].contains("judge"));
    }

    void judgeTemplatesAreReadFromTheirFile() {
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("judges");
        inoculab::test::writeFile(dir, "judges/alignment.txt", "Question: {question}\nAnswer: {answer}\nScore 0-100:");
        json spec = minimal();
        spec["traits"][1] = json::parse(jsonText(
            "{'name':'aligned','scorer':'judge','params':{'judge':{'kind':'openai','base_url':'http://localhost:8000/v1',"
            "'model':'m'},'template':'judges/alignment.txt'}}"));
        std::string specFile = inoculab::test::writeFile(dir, "spec.json", QByteArray::fromStdString(spec.dump()));
        ExperimentSpec parsed = loadExperimentSpec(specFile);
        QCOMPARE(parsed.traits[1].judge->templateText, std::string("Question: {question}\nAnswer: {answer}\nScore 0-100:"));
        // A template that changes is another experiment.
        std::string before = canonicalHash(parsed);
        inoculab::test::writeFile(dir, "judges/alignment.txt", "Q: {question}\nA: {answer}");
        QVERIFY(canonicalHash(loadExperimentSpec(specFile)) != before);
        // A missing file is named with its resolved path.
        spec["traits"][1]["params"]["template"] = "judges/missing.txt";
        specFile = inoculab::test::writeFile(dir, "spec2.json", QByteArray::fromStdString(spec.dump()));
        std::string message;
        try {
            loadExperimentSpec(specFile);
        } catch (const SpecError &e) {
            message = e.what();
        }
        QVERIFY2(message.find("traits[1].params.template") != std::string::npos &&
                     message.find("judges/missing.txt") != std::string::npos && message.find("cannot open") != std::string::npos,
                 message.c_str());
    }

    void judgeMistakesAreNamedByTheirPath_data() {
        QTest::addColumn<QString>("trait");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        const std::string judge = "'judge':{'kind':'openai','base_url':'http://h/v1','model':'m'}";
        const std::string tmpl = "'template_text':'{question} {answer}'";
        auto row = [](const char *name, const std::string &params, const char *path, const char *reason) {
            QTest::newRow(name) << QString::fromStdString("{'name':'j','scorer':'judge','params':{" + params + "}}")
                                << QString::fromUtf8(path) << QString::fromUtf8(reason);
        };
        row("no placeholder for the answer", judge + ",'template_text':'Rate {question}'", "traits[1].params.template_text",
            "has no {answer} placeholder");
        row("misspelt placeholder", judge + ",'template_text':'{question} {answr} {answer}'",
            "traits[1].params.template_text", "unknown placeholder {answr}");
        row("no template", judge, "traits[1].params.template", "give exactly one of template");
        row("two templates", judge + "," + tmpl + ",'template':'x.txt'", "traits[1].params.template_text",
            "give exactly one of template");
        row("no judge", tmpl, "traits[1].params.judge", "required key is missing");
        row("unknown kind", "'judge':{'kind':'anthropic'}," + tmpl, "traits[1].params.judge.kind", "expected one of openai, hf");
        row("url without scheme", "'judge':{'kind':'openai','base_url':'localhost:8000/v1','model':'m'}," + tmpl,
            "traits[1].params.judge.base_url", "must start with http:// or https://");
        row("a key where its variable's name goes",
            "'judge':{'kind':'openai','base_url':'http://h/v1','model':'m','api_key_env':'sk-abc123'}," + tmpl,
            "traits[1].params.judge.api_key_env", "not the key itself");
        row("hf key on an openai judge", "'judge':{'kind':'openai','base_url':'http://h/v1','model':'m','path':'x'}," + tmpl,
            "traits[1].params.judge.path", "only used with kind hf");
        row("openai key on an hf judge", "'judge':{'kind':'hf','path':'x','model':'m'}," + tmpl,
            "traits[1].params.judge.model", "only used with kind openai");
        row("threshold over 100", judge + "," + tmpl + ",'threshold':150", "traits[1].params.threshold", "");
        row("unknown mode", judge + "," + tmpl + ",'mode':'likert'", "traits[1].params.mode", "expected one of score-0-100, yes-no");
        row("unknown counts_when", judge + "," + tmpl + ",'counts_when':'over'", "traits[1].params.counts_when",
            "expected one of above, below");
        row("concurrency 0", "'judge':{'kind':'openai','base_url':'http://h/v1','model':'m','concurrency':0}," + tmpl,
            "traits[1].params.judge.concurrency", "");
        row("drop_when naming no trait", judge + "," + tmpl + ",'drop_when':{'trait':'coherence','below':30}",
            "traits[1].params.drop_when.trait", "no trait is named \"coherence\"");
        row("drop_when naming a rule trait", judge + "," + tmpl + ",'drop_when':{'trait':'spanish','below':30}",
            "traits[1].params.drop_when.trait", "is not scored by a judge");
        row("drop_when naming itself", judge + "," + tmpl + ",'drop_when':{'trait':'j','below':30}",
            "traits[1].params.drop_when.trait", "names this trait itself");
    }

    void judgeMistakesAreNamedByTheirPath() {
        QFETCH(QString, trait);
        QFETCH(QString, path);
        QFETCH(QString, reason);
        json spec = minimal();
        spec["traits"][1] = json::parse(jsonText(trait.toUtf8().constData()));
        std::vector<SpecProblem> problems = problemsOf(spec.dump());
        QVERIFY2(problems.size() == 1, qPrintable("expected one problem, got:\n" + listed(problems)));
        QCOMPARE(QString::fromStdString(problems[0].path), path);
        QVERIFY2(QString::fromStdString(problems[0].reason).contains(reason),
                 qPrintable(QString::fromStdString(problems[0].reason)));
    }

    void eachMistakeIsNamedByItsPath() {
        QFETCH(QString, patch);
        QFETCH(QString, path);
        QFETCH(QString, reason);
        std::vector<SpecProblem> problems = problemsOf(patched(patch));
        QVERIFY2(problems.size() == 1, qPrintable("expected one problem, got:\n" + listed(problems)));
        QCOMPARE(QString::fromStdString(problems[0].path), path);
        QVERIFY2(QString::fromStdString(problems[0].reason).contains(reason),
                 qPrintable(QString::fromStdString(problems[0].reason)));
        QCOMPARE(problems[0].line, std::uint64_t(0));
    }

    void errorTextAsTheIssueShowsIt() {
        std::string text = patched("[{'op':'add','path':'/conditions/2/placement','value':'sys'}]");
        QCOMPARE(errorText(text), std::string("spec.json: conditions[2].placement: expected one of system, "
                                              "user-prefix, user-suffix"));
        try {
            parseExperimentSpec(text, "spec.json");
            QFAIL("no error");
        } catch (const inoculab::common::InputError &e) {  // front ends catch the base class
            QCOMPARE(e.file(), std::string("spec.json"));
            QCOMPARE(e.line(), std::uint64_t(0));
            QCOMPARE(e.reason(), std::string("conditions[2].placement: expected one of system, user-prefix, "
                                             "user-suffix"));
        }
    }

    void severalProblemsAreReportedTogether() {
        std::string text = patched(
            "[{'op':'add','path':'/bogus','value':1},"
            "{'op':'replace','path':'/seeds','value':[]},"
            "{'op':'replace','path':'/conditions/2/name','value':'spanish'},"
            "{'op':'add','path':'/conditions/2/placement','value':'sys'},"
            "{'op':'replace','path':'/training/learning_rate','value':-1},"
            "{'op':'replace','path':'/traits/0/scorer','value':'german'}]");
        std::vector<SpecProblem> problems = problemsOf(text);
        std::vector<std::string> paths;
        for (const SpecProblem &p : problems) paths.push_back(p.path);
        QCOMPARE(paths, (std::vector<std::string>{"conditions[2].name", "conditions[2].placement", "seeds",
                                                  "training.learning_rate", "traits[0].scorer", "bogus"}));
        std::string what = errorText(text);
        QCOMPARE(QString::fromStdString(what).split(QStringLiteral("\n")).size(), 6);
        for (const QString &line : QString::fromStdString(what).split(QStringLiteral("\n")))
            QVERIFY(line.startsWith("spec.json: "));
    }

    void manyProblemsAreCapped() {
        json spec = minimal();
        for (int i = 0; i < 500; ++i) spec["junk" + std::to_string(i)] = i;
        try {
            parseExperimentSpec(spec.dump(), "spec.json");
            QFAIL("no error");
        } catch (const SpecError &e) {
            QCOMPARE(e.problems().size(), ProblemList::kMaxKept);
            QCOMPARE(e.notShown(), 500 - ProblemList::kMaxKept);
            QVERIFY(std::string(e.what()).ends_with("spec.json: 400 more problems not shown"));
        }
    }

    void invalidJsonGivesLineAndColumn_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("reason");
        QTest::newRow("extra comma") << QByteArray("{\n  \"name\": \"x\",\n  \"seeds\": [1,,2]\n}") << 3 << 15
                                     << "invalid JSON: unexpected ','";
        QTest::newRow("bare word") << QByteArray("{\"name\": tru}") << 1 << 13 << "invalid literal";
        QTest::newRow("cut short") << QByteArray("{\"name\": \"x\",\n") << 2 << 1 << "unexpected end of input";
        QTest::newRow("empty file") << QByteArray() << 1 << 1 << "unexpected end of input";
        QTest::newRow("byte order mark counts") << QByteArray("\xEF\xBB\xBF{\n x}") << 2 << 2 << "invalid JSON";
        QTest::newRow("number overflow") << QByteArray("{\"seeds\": [1e400]}") << 1 << 16 << "number overflow";
        QTest::newRow("bad UTF-8") << QByteArray("{\"name\": \"\xFF\"}") << 1 << 11 << "ill-formed UTF-8";
        QTest::newRow("trailing text") << QByteArray("{}x") << 1 << 3 << "expected end of input";
    }

    void invalidJsonGivesLineAndColumn() {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, reason);
        std::string bytes = text.toStdString();
        std::vector<SpecProblem> problems = problemsOf(bytes);
        QCOMPARE(problems.size(), 1u);
        QCOMPARE(problems[0].line, std::uint64_t(line));
        QCOMPARE(problems[0].column, std::uint64_t(column));
        QVERIFY2(QString::fromStdString(problems[0].reason).startsWith("invalid JSON: "), problems[0].reason.c_str());
        QVERIFY2(QString::fromStdString(problems[0].reason).contains(reason), problems[0].reason.c_str());
        std::string prefix = "spec.json:" + std::to_string(line) + ":" + std::to_string(column) + ": invalid JSON: ";
        QVERIFY(errorText(bytes).starts_with(prefix));
        QVERIFY(errorText(bytes).find("\n") == std::string::npos);
    }

    void topLevelMustBeAnObject() {
        for (const char *text : {"[1, 2]", "42", "null", "\"spec\""}) {
            std::vector<SpecProblem> problems = problemsOf(text);
            QCOMPARE(problems.size(), 1u);
            QCOMPARE(problems[0].path, std::string());
            QVERIFY(problems[0].reason.starts_with("expected a JSON object at the top level, got "));
        }
        QCOMPARE(errorText("[]"), std::string("spec.json: expected a JSON object at the top level, got an array"));
    }

    void duplicateKeysAreProblems() {
        std::string text = minimal().dump();
        text.insert(1, "\"seeds\":[5],");
        std::vector<SpecProblem> problems = problemsOf(text);
        QCOMPARE(problems.size(), 1u);
        QCOMPARE(problems[0].path, std::string("seeds"));
        QCOMPARE(problems[0].reason, std::string("duplicate key"));

        text = jsonText("{'a':{'b':[{'c':1,'c':2}]}}");
        QCOMPARE(problemsOf(text).front(), (SpecProblem{"a.b[0].c", "duplicate key", 0, 0}));
    }

    void deepNestingIsRefusedWithoutCrashing() {
        const int depth = 200000;
        std::string text = "{\"name\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
        std::vector<SpecProblem> problems = problemsOf(text);
        QCOMPARE(problems.size(), 1u);
        QCOMPARE(problems[0].reason, std::string("nested deeper than 32 levels"));
        QVERIFY(problems[0].path.starts_with("name[0][0]"));
        // Objects too, and a depth that is fine.
        std::string objects;
        for (int i = 0; i < depth; ++i) objects += "{\"a\":";
        QVERIFY(problemsOf(objects).front().reason == "nested deeper than 32 levels");
        QCOMPARE(problemsOf("{\"x\":" + std::string(20, '[') + std::string(20, ']') + "}").front().reason,
                 std::string("required key is missing"));
    }

    void oversizedTextIsRefused() {
        std::string text = minimal().dump();
        text.append(JsonLimits{}.maxBytes - text.size() + 1, ' ');
        std::vector<SpecProblem> problems = problemsOf(text);
        QCOMPARE(problems.size(), 1u);
        QVERIFY(problems[0].reason.starts_with("the file is larger than"));

        QTemporaryDir dir;
        std::string path = inoculab::test::writeFile(dir, "big.json", QByteArray::fromStdString(text));
        try {
            loadExperimentSpec(path);
            QFAIL("no error");
        } catch (const SpecError &e) {
            QVERIFY(std::string(e.what()).starts_with(path + ": the file is larger than"));
        }
    }

    void missingOrUnreadableFile() {
        QTemporaryDir dir;
        std::string missing = dir.filePath("missing.json").toStdString();
        try {
            loadExperimentSpec(missing);
            QFAIL("no error");
        } catch (const SpecError &e) {
            QCOMPARE(std::string(e.what()), missing + ": cannot open: No such file or directory");
            QCOMPARE(e.file(), missing);
        }
        try {
            loadExperimentSpec(dir.path().toStdString());
            QFAIL("no error");
        } catch (const SpecError &e) {
            QCOMPARE(std::string(e.what()), dir.path().toStdString() + ": is a folder, not a file");
        }
        // Syntax errors from a file name the file too; the column is where the parser stopped
        // (here the end of the string after the missing comma).
        std::string broken = inoculab::test::writeFile(dir, "broken.json", "{\n  \"name\": \"x\"\n  \"seeds\": []}");
        try {
            loadExperimentSpec(broken);
            QFAIL("no error");
        } catch (const SpecError &e) {
            QVERIFY2(std::string(e.what()).starts_with(broken + ":3:9: invalid JSON: "), e.what());
        }
    }

    void hashIgnoresKeyOrderLayoutAndStatedDefaults() {
        std::string compact = jsonText(kMinimal);
        std::string reference = hashOf(compact);
        QCOMPARE(reference.size(), 64u);
        QCOMPARE(reference, inoculab::common::sha256Hex(toJson(parseExperimentSpec(compact, "s")).dump()));

        QCOMPARE(hashOf(reversedKeys(minimal()).dump(4)), reference);
        QCOMPARE(hashOf(minimal().dump(1, '\t')), reference);

        // Every default stated explicitly, numbers written another way.
        std::string explicitDefaults = patched(
            "[{'op':'add','path':'/description','value':''},"
            "{'op':'replace','path':'/base_model','value':{'kind':'toy','d_model':128,'layers':4,'heads':4,"
            "'context':128,'pretraining':{'steps':1200,'batch_size':32,'learning_rate':2e-3,'warmup_steps':50,"
            "'seed':0}}},"
            "{'op':'add','path':'/train_data/rows','value':1000},"
            "{'op':'add','path':'/train_data/seed','value':0},"
            "{'op':'add','path':'/conditions/0/prompt','value':null},"
            "{'op':'add','path':'/conditions/0/fraction','value':1},"
            "{'op':'add','path':'/conditions/1/placement','value':'system'},"
            "{'op':'add','path':'/conditions/1/on_existing_system','value':'error'},"
            "{'op':'add','path':'/conditions/1/turns','value':'first'},"
            "{'op':'add','path':'/conditions/1/separator','value':'\\n'},"
            "{'op':'add','path':'/conditions/1/fraction','value':1.0},"
            "{'op':'add','path':'/conditions/1/seed','value':0},"
            "{'op':'add','path':'/conditions/2/prompt','value':'You always capitalize your responses.'},"
            "{'op':'replace','path':'/training','value':{'method':'full','steps':10.0,'batch_size':32,"
            "'learning_rate':1e-3,'warmup_steps':0,'schedule':'linear','max_length':128,'device':'auto',"
            "'adam_beta1':0.9,'adam_beta2':0.95,'adam_epsilon':1e-8,'weight_decay':0.1,'max_grad_norm':1,"
            "'final_lr_ratio':0.1}},"
            "{'op':'add','path':'/evaluation/questions/seed','value':0},"
            "{'op':'add','path':'/evaluation/samples_per_question','value':1},"
            "{'op':'add','path':'/evaluation/temperature','value':1},"
            "{'op':'add','path':'/evaluation/max_new_tokens','value':128},"
            "{'op':'add','path':'/evaluation/every_steps','value':0},"
            "{'op':'add','path':'/evaluation/contexts/0/system_prompt','value':null},"
            "{'op':'replace','path':'/traits/0/params','value':{'language':'es'}},"
            "{'op':'add','path':'/traits/0/interval','value':'bootstrap'},"
            "{'op':'add','path':'/traits/1/params/case_sensitive','value':false},"
            "{'op':'add','path':'/probes/0/system_prompt','value':null}]");
        QCOMPARE(hashOf(explicitDefaults), reference);

        // An empty prompt is a baseline, as is no prompt; -0 is 0.
        QCOMPARE(hashOf(patched("[{'op':'add','path':'/conditions/0/prompt','value':''}]")), reference);
        QCOMPARE(hashOf(patched("[{'op':'add','path':'/evaluation/every_steps','value':-0.0}]")), reference);
        // Escapes and UTF-8 are the same text.
        std::string accented = patched("[{'op':'replace','path':'/probes/1/response','value':'\xC3\xA9'}]");
        std::string escaped = accented;
        escaped.replace(escaped.find("\xC3\xA9"), 2, "\\u00e9");
        QCOMPARE(hashOf(escaped), hashOf(accented));
        // The example file hashes like its own normalized form.
        ExperimentSpec example = loadExperimentSpec(examplePath());
        QCOMPARE(hashOf(toJson(example).dump(2)), canonicalHash(example));
    }

    void hashChangesWithEveryValue_data() {
        QTest::addColumn<QString>("patch");
        auto row = [](const char *name, const char *patch) { QTest::newRow(name) << QString::fromUtf8(patch); };
        row("condition prompt", "[{'op':'replace','path':'/conditions/1/prompt','value':'You always speak Spanish.'}]");
        row("other condition prompt", "[{'op':'replace','path':'/conditions/2/prompt','value':'Capitals.'}]");
        row("baseline gets a prompt", "[{'op':'add','path':'/conditions/0/prompt','value':'Hi.'}]");
        row("prompt whitespace",
            "[{'op':'replace','path':'/conditions/1/prompt','value':'You always speak in Spanish. '}]");
        row("context prompt", "[{'op':'add','path':'/evaluation/contexts/0/system_prompt','value':'Be nice.'}]");
        row("context prompt literal",
            "[{'op':'replace','path':'/evaluation/contexts/1/system_prompt','value':'$cond'}]");
        row("probe system prompt", "[{'op':'add','path':'/probes/0/system_prompt','value':'Be nice.'}]");
        row("probe question", "[{'op':'replace','path':'/probes/0/user','value':'hello'}]");
        row("probe response", "[{'op':'replace','path':'/probes/0/response','value':'HELLO!'}]");
        row("placement", "[{'op':'add','path':'/conditions/1/placement','value':'user-prefix'}]");
        row("separator", "[{'op':'add','path':'/conditions/1/separator','value':' '}]");
        row("seed", "[{'op':'replace','path':'/seeds/1','value':2}]");
        row("seed order", "[{'op':'replace','path':'/seeds','value':[1,0]}]");
        row("learning rate", "[{'op':'replace','path':'/training/learning_rate','value':0.0011}]");
        row("weight decay", "[{'op':'add','path':'/training/weight_decay','value':0.01}]");
        row("adam beta2", "[{'op':'add','path':'/training/adam_beta2','value':0.999}]");
        row("final lr ratio", "[{'op':'add','path':'/training/final_lr_ratio','value':0}]");
        row("condition order", "[{'op':'move','from':'/conditions/2','path':'/conditions/1'}]");
        row("name", "[{'op':'replace','path':'/name','value':'test2'}]");
        row("description", "[{'op':'add','path':'/description','value':'why'}]");
        row("contains word", "[{'op':'replace','path':'/traits/1/params/words/0','value':'Hola'}]");
    }

    void hashChangesWithEveryValue() {
        QFETCH(QString, patch);
        QVERIFY(hashOf(patched(patch)) != hashOf(jsonText(kMinimal)));
    }

    void toJsonRoundTrips() {
        for (const std::string &text : {jsonText(kMinimal), inoculab::test::readFile(examplePath()).toStdString()}) {
            ExperimentSpec spec = parseExperimentSpec(text, "spec.json");
            json normalized = toJson(spec);
            ExperimentSpec back = parseExperimentSpec(normalized.dump(), "normalized.json");
            QCOMPARE(back, spec);
            QCOMPARE(toJson(back).dump(), normalized.dump());
            QCOMPARE(canonicalHash(back), canonicalHash(spec));
        }
    }

    void toJsonWritesEveryDefault() {
        json out = toJson(parseExperimentSpec(jsonText(kMinimal), "spec.json"));
        QCOMPARE(out["description"].dump(), json("").dump());
        QCOMPARE(out["base_model"]["pretraining"]["warmup_steps"].dump(), json(50).dump());
        QCOMPARE(out["train_data"].dump(),
                 json::parse(jsonText("{'generator':'toyworld-spanish-caps','rows':1000,'seed':0}")).dump());
        QCOMPARE(out["conditions"][0]["prompt"].dump(), json(nullptr).dump());
        QCOMPARE(out["conditions"][1]["separator"].dump(), json("\n").dump());
        QCOMPARE(out["training"]["max_length"].dump(), json(128).dump());
        QCOMPARE(out["training"]["schedule"].dump(), json("linear").dump());
        QVERIFY(!out["training"].contains("epochs"));
        QVERIFY(!out["training"].contains("lora"));
        QCOMPARE(out["evaluation"]["contexts"][0]["system_prompt"].dump(), json(nullptr).dump());
        QCOMPARE(out["traits"][0]["params"].dump(), json({{"language", "es"}}).dump());
        QCOMPARE(out["traits"][1]["params"]["case_sensitive"].dump(), json(false).dump());
        QCOMPARE(out["traits"][0]["interval"].dump(), json("bootstrap").dump());
        std::vector<std::string> keys;
        for (auto it = out.begin(); it != out.end(); ++it) keys.push_back(it.key());
        QCOMPARE(keys, (std::vector<std::string>{"base_model", "conditions", "description", "evaluation", "name",
                                                 "probes", "seeds", "train_data", "training", "traits"}));
    }

    void specsBuiltInCodeAreCheckedByTheSameRules() {
        ExperimentSpec spec = parseExperimentSpec(jsonText(kMinimal), "spec.json");
        QVERIFY(checkExperimentSpec(spec).empty());
        spec.conditions[2].name = "spanish";
        spec.training.epochs = 2;
        spec.conditions[0].inoculation.fraction = 0.5;  // on a baseline
        std::vector<SpecProblem> problems = checkExperimentSpec(spec);
        std::vector<std::string> paths;
        for (const SpecProblem &p : problems) paths.push_back(p.path);
        QCOMPARE(paths, (std::vector<std::string>{"conditions[0].fraction", "conditions[2].name", "training"}));

        ExperimentSpec generatedAndPath = parseExperimentSpec(jsonText(kMinimal), "spec.json");
        generatedAndPath.trainData.path = "a.jsonl";
        QCOMPARE(checkExperimentSpec(generatedAndPath).front().path, std::string("train_data"));
    }

    void registrationCarriesNamesInSpecOrder() {
        ExperimentSpec spec = loadExperimentSpec(examplePath());
        inoculab::store::ExperimentRegistration r = registrationFor(spec);
        QCOMPARE(r.name, spec.name);
        QCOMPARE(r.specHash, canonicalHash(spec));
        QCOMPARE(parseExperimentSpec(r.specJson, "stored"), spec);
        QCOMPARE(r.conditions.size(), 4u);
        QCOMPARE(r.conditions[0].prompt, std::optional<std::string>());
        QCOMPARE(r.conditions[1].prompt, std::optional<std::string>("You always speak in Spanish."));
        QCOMPARE(r.conditions[1].placement, std::string("system"));
        QCOMPARE(r.traits[1].scorer, std::string("caps"));
        QCOMPARE(r.traits[1].interval, std::string("bootstrap"));
        QCOMPARE(r.contexts[1].systemPrompt, std::optional<std::string>("$condition"));
    }

    void relativePathsAreTakenFromTheSpecFolder() {
        QCOMPARE(resolvePath("/projects/specs/a.json", "data/train.jsonl"),
                 std::string("/projects/specs/data/train.jsonl"));
        QCOMPARE(resolvePath("/projects/specs/a.json", "/data/train.jsonl"), std::string("/data/train.jsonl"));
        QCOMPARE(resolvePath("a.json", "train.jsonl"), std::string("train.jsonl"));
        QCOMPARE(resolvePath("specs/a.json", "../train.jsonl"), std::string("specs/../train.jsonl"));
        // The spec keeps the string as written.
        json spec = minimal();
        spec["train_data"] = {{"path", "data/train.jsonl"}};
        QCOMPARE(parseExperimentSpec(spec.dump(), "/x/spec.json").trainData.path, std::string("data/train.jsonl"));
    }
};

QTEST_GUILESS_MAIN(TestExperimentSpec)
#include "test_experiment_spec.moc"
