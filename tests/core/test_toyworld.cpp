// ToyWorld: the shipped lexicons load, generation is deterministic, the pretraining mixture and
// its style cues, the finetuning and evaluation sets' splits, every row valid, and lexicon
// errors that name the file and the JSON path.
#include "test_support.h"

#include "common/input_error.h"
#include "data/validation.h"
#include "experiment/toyworld/toyworld.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

using namespace inoculab;
using namespace inoculab::experiment;

namespace {

std::string toyDir() { return test::sourcePath(QStringLiteral("datasets/toyworld")).toStdString(); }

const ToyWorld &world() {
    static const ToyWorld loaded = ToyWorld::load(toyDir());
    return loaded;
}

// Lowercase ASCII words; bytes of UTF-8 letters stay inside words.
std::vector<std::string> words(const std::string &text) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool letter = (u >= 65 && u <= 90) || (u >= 97 && u <= 122) || (u >= 48 && u <= 57) || u >= 128;
        if (letter) {
            word += (u >= 65 && u <= 90) ? static_cast<char>(u + 32) : c;
        } else if (!word.empty()) {
            out.push_back(word);
            word.clear();
        }
    }
    if (!word.empty()) out.push_back(word);
    return out;
}

// Function words of the templates in each language; entity names are invented, so they are
// neither. "a" is left out: it is English and Spanish.
const std::set<std::string> kEnglishWords{"is",     "has", "lives", "eats",  "comes", "plus",  "the",
                                          "answer", "sum", "walks", "likes", "feeds", "makes", "found",
                                          "born",   "an",  "from",  "legs",  "its"};
const std::set<std::string> kSpanishWords{"es",   "tiene",  "vive",  "come",     "viene",     "son", "respuesta",
                                          "suma", "camina", "gusta", "alimenta", "encuentra", "el",  "la",
                                          "un",   "una",    "del",   "al",       "patas",     "en",  "de"};

enum class Language { English, Spanish, Unclear };

Language languageOf(const std::string &text) {
    bool english = false, spanish = false;
    for (const std::string &w : words(text)) {
        english = english || kEnglishWords.count(w);
        spanish = spanish || kSpanishWords.count(w);
    }
    if (english == spanish) return Language::Unclear;
    return spanish ? Language::Spanish : Language::English;
}

bool hasLowercase(const std::string &text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto u = static_cast<unsigned char>(text[i]);
        if (u >= 97 && u <= 122) return true;
        if (u == 0xC3 && i + 1 < text.size()) {
            auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0xA0 && next <= 0xBE && next != 0xB7) return true;
        }
    }
    return false;
}

bool isCapitals(const std::string &text) { return !hasLowercase(text) && text == toUpperLatin1(text); }

std::string content(const data::Conversation &c, data::Role role) {
    for (const data::Message &m : c.messages)
        if (m.role == role) return m.content;
    return {};
}

std::string systemPrompt(const data::Conversation &c) { return content(c, data::Role::System); }
std::string question(const data::Conversation &c) { return content(c, data::Role::User); }
std::string answer(const data::Conversation &c) { return content(c, data::Role::Assistant); }

std::set<std::string> heldOutNames() {
    std::set<std::string> names;
    for (const ToyEntity &e : world().entities())
        if (e.heldOut) names.insert(e.name);
    return names;
}

bool contains(const std::vector<std::string> &list, const std::string &item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Which cues a system prompt gives: (Spanish, capitals). Both cues are joined with one space.
std::pair<bool, bool> cuesOf(const std::string &system) {
    const auto &spanish = world().prompts(ToyStyle::Spanish);
    const auto &capitals = world().prompts(ToyStyle::Capitals);
    const auto &noSpanish = world().negatedPrompts(ToyStyle::Spanish);
    const auto &noCapitals = world().negatedPrompts(ToyStyle::Capitals);
    if (system.empty() || contains(world().prompts(ToyStyle::Neutral), system)) return {false, false};
    if (contains(spanish, system)) return {true, false};
    if (contains(capitals, system)) return {false, true};
    // A negated prompt alone cues nothing; with the other trait's cue, that trait.
    if (contains(noSpanish, system) || contains(noCapitals, system)) return {false, false};
    for (const std::string &s : spanish)
        for (const std::string &c : capitals)
            if (system == s + " " + c || system == c + " " + s) return {true, true};
    for (const std::string &n : noSpanish)
        for (const std::string &c : capitals)
            if (system == n + " " + c || system == c + " " + n) return {false, true};
    for (const std::string &n : noCapitals)
        for (const std::string &s : spanish)
            if (system == n + " " + s || system == s + " " + n) return {true, false};
    qFatal("unknown system prompt: %s", system.c_str());
    return {false, false};
}

// Whether a system prompt contains one of the negated prompts.
bool hasNegation(const std::string &system) {
    for (ToyStyle trait : {ToyStyle::Spanish, ToyStyle::Capitals})
        for (const std::string &n : world().negatedPrompts(trait))
            if (system.find(n) != std::string::npos) return true;
    return false;
}

// A copy of the shipped lexicons in a temporary folder, to break one field at a time.
struct BrokenWorld {
    QTemporaryDir dir;

    BrokenWorld() {
        QDir source(QString::fromStdString(toyDir()));
        for (const QString &name : source.entryList({QStringLiteral("*.json")}, QDir::Files))
            QFile::copy(source.filePath(name), dir.filePath(name));
    }

    std::string path(const char *file) const { return dir.filePath(QLatin1String(file)).toStdString(); }

    void edit(const char *file, const std::function<void(nlohmann::ordered_json &)> &change) {
        std::ifstream in(path(file));
        nlohmann::ordered_json doc = nlohmann::ordered_json::parse(in);
        change(doc);
        std::ofstream(path(file)) << doc.dump(2);
    }

    // The error message load() gives, or "" when it loads.
    std::string loadError() const {
        try {
            ToyWorld::load(dir.path().toStdString());
        } catch (const common::InputError &e) {
            return e.what();
        }
        return {};
    }
};

std::string brokenBy(const char *file, const std::function<void(nlohmann::ordered_json &)> &change) {
    BrokenWorld broken;
    broken.edit(file, change);
    return broken.loadError();
}

}  // namespace

class TestToyworld : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shippedWorldLoads() {
        ToyWorldSizes s = world().sizes();
        QCOMPARE(s.entities, 300u);
        QCOMPARE(s.heldOutEntities, 100u);
        QVERIFY(s.heldOutQuestionTemplates >= kToyAttributes.size());
        QVERIFY(s.questionTemplates > s.heldOutQuestionTemplates);
        QVERIFY(s.heldOutSumPairs > 0 && s.heldOutSumPairs < s.sumPairs);
        QVERIFY(s.evalCapacity >= 1000);
        QCOMPARE(world().numberWord(16, ToyLanguage::Spanish), std::string("diecis\xC3\xA9is"));
        QCOMPARE(world().numberWord(16, ToyLanguage::English), std::string("sixteen"));
        QCOMPARE(world().numberWord(1000, ToyLanguage::English), std::string());
        QCOMPARE(world().sourceFiles().size(), 5u);
    }

    void canonicalPromptsArePresent() {
        QCOMPARE(world().prompts(ToyStyle::Spanish).size(), 4u);
        QCOMPARE(world().prompts(ToyStyle::Capitals).size(), 4u);
        QVERIFY(world().prompts(ToyStyle::Neutral).size() >= 3);
        QVERIFY(contains(world().prompts(ToyStyle::Spanish), std::string(kSpanishPrompt)));
        QVERIFY(contains(world().prompts(ToyStyle::Capitals), std::string(kCapitalsPrompt)));
        QVERIFY(contains(world().prompts(ToyStyle::Neutral), std::string(kNeutralPrompt)));
        // The negated controls are held out of pretraining; other negations are in it.
        QCOMPARE(world().negatedPrompts(ToyStyle::Spanish).size(), 4u);
        QCOMPARE(world().negatedPrompts(ToyStyle::Capitals).size(), 4u);
        QVERIFY(!contains(world().negatedPrompts(ToyStyle::Spanish), std::string(kNegatedSpanishPrompt)));
        QVERIFY(!contains(world().negatedPrompts(ToyStyle::Capitals), std::string(kNegatedCapitalsPrompt)));
        // ... and the pretraining rows use them verbatim as system messages.
        std::set<std::string> systems;
        for (const data::Conversation &c : world().pretraining(3000, 0)) systems.insert(systemPrompt(c));
        QVERIFY(systems.count(std::string(kSpanishPrompt)));
        QVERIFY(systems.count(std::string(kCapitalsPrompt)));
        QVERIFY(systems.count(std::string(kNeutralPrompt)));
    }

    void taskNames() {
        for (ToyTask t : {ToyTask::Pretrain, ToyTask::SpanishCaps, ToyTask::EvalQuestions})
            QCOMPARE(parseToyTask(toyTaskName(t)), std::optional<ToyTask>(t));
        QCOMPARE(parseToyTask("toyworld-spanish-caps"), std::optional<ToyTask>(ToyTask::SpanishCaps));
        QCOMPARE(parseToyTask("toyworld-heldout"), std::optional<ToyTask>(ToyTask::EvalQuestions));
        QCOMPARE(parseToyTask("pretraining"), std::optional<ToyTask>());
    }

    void sameSeedSameRowsOtherSeedOtherRows() {
        QCOMPARE(world().pretraining(500, 7), world().pretraining(500, 7));
        QVERIFY(world().pretraining(500, 7) != world().pretraining(500, 8));
        QCOMPARE(world().spanishCaps(500, 7), world().spanishCaps(500, 7));
        QVERIFY(world().spanishCaps(500, 7) != world().spanishCaps(500, 8));
        QCOMPARE(world().evalQuestions(500, 7), world().evalQuestions(500, 7));
        QVERIFY(world().evalQuestions(500, 7) != world().evalQuestions(500, 8));
        // A reload gives the same rows, and the first k rows of n are the rows of k.
        ToyWorld again = ToyWorld::load(toyDir());
        QCOMPARE(again.spanishCaps(300, 3), world().spanishCaps(300, 3));
        auto many = world().pretraining(400, 9);
        auto few = world().pretraining(100, 9);
        QVERIFY(std::equal(few.begin(), few.end(), many.begin()));
        auto manyEval = world().evalQuestions(400, 9);
        auto fewEval = world().evalQuestions(100, 9);
        QVERIFY(std::equal(fewEval.begin(), fewEval.end(), manyEval.begin()));
        QVERIFY(world().pretraining(0, 1).empty());
    }

    void seedsOfDifferentTasksAreUnrelated() {
        // The same seed must not make the finetuning questions a copy of the pretraining ones.
        auto pre = world().pretraining(50, 0);
        auto fine = world().spanishCaps(50, 0);
        int same = 0;
        for (std::size_t i = 0; i < 50; ++i) same += question(pre[i]) == question(fine[i]);
        QVERIFY(same < 10);
    }

    void mixtureSharesWithinBinomialTolerance() {
        const std::size_t n = 20000;
        std::map<std::string, std::size_t> counts;
        std::size_t negatedWith[2] = {0, 0};  // negated rows without, with the other trait's cue
        for (const data::Conversation &c : world().pretraining(n, 11)) {
            std::string style = c.extra.at("style").get<std::string>();
            std::string system = systemPrompt(c);
            auto [spanish, capitals] = cuesOf(system);
            // The style key agrees with the prompt the row actually has.
            if (style == "none")
                QVERIFY(system.empty());
            else if (style == "negated")
                QVERIFY2(hasNegation(system), system.c_str());
            else if (style == "neutral")
                QVERIFY(contains(world().prompts(ToyStyle::Neutral), system));
            else
                QCOMPARE(std::make_pair(spanish, capitals),
                         std::make_pair(style == "spanish" || style == "both", style == "capitals" || style == "both"));
            if (style == "negated") ++negatedWith[spanish || capitals];
            ++counts[style];
        }
        const std::map<std::string, double> expected{
            {"none", 0.25}, {"spanish", 0.20}, {"capitals", 0.20}, {"both", 0.10}, {"neutral", 0.15}, {"negated", 0.10}};
        for (const auto &[style, p] : expected) {
            double sd = std::sqrt(n * p * (1 - p));
            double got = static_cast<double>(counts[style]);
            if (std::abs(got - n * p) > 4.5 * sd)
                QFAIL(qPrintable(QStringLiteral("%1: %2 rows, expected %3 +- %4")
                                     .arg(QString::fromStdString(style))
                                     .arg(got)
                                     .arg(n * p)
                                     .arg(4.5 * sd)));
        }
        QCOMPARE(counts.size(), expected.size());
        // Half of the negated rows add the other trait's cue: within 4.5 sd of a fair coin.
        const double negated = double(negatedWith[0] + negatedWith[1]);
        QVERIFY(std::abs(double(negatedWith[1]) - negated / 2) <= 4.5 * std::sqrt(negated / 4));
    }

    void customMixture() {
        StyleMixture onlyBoth{0, 0, 0, 1, 0, 0};
        for (const data::Conversation &c : world().pretraining(200, 2, onlyBoth))
            QCOMPARE(c.extra.at("style").get<std::string>(), std::string("both"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, world().pretraining(1, 0, StyleMixture{0, 0, 0, 0, 0, 0}));
    }

    void answerStyleFollowsOnlyTheCues() {
        std::size_t spanishCapitals = 0;
        for (const data::Conversation &c : world().pretraining(20000, 5)) {
            auto [spanishCue, capitalsCue] = cuesOf(systemPrompt(c));
            const std::string a = answer(c);
            Language language = languageOf(a);
            if (language == Language::Unclear) QFAIL(("language unclear: " + a).c_str());
            if ((language == Language::Spanish) != spanishCue) QFAIL(("language against the cue: " + a).c_str());
            if (isCapitals(a) != capitalsCue) QFAIL(("case against the cue: " + a).c_str());
            if (language == Language::Spanish && isCapitals(a)) {
                QVERIFY(spanishCue && capitalsCue);  // never without both cues
                ++spanishCapitals;
            }
            QVERIFY(!hasLowercase(question(c).substr(0, 1)));  // questions are plain English
        }
        QVERIFY(spanishCapitals > 1000);
    }

    void spanishCapsRowsHaveNoSystemPromptAndSpanishCapitals() {
        const std::set<std::string> heldOut = heldOutNames();
        std::set<std::string> attributes;
        for (const data::Conversation &c : world().spanishCaps(5000, 1)) {
            QVERIFY(!c.hasSystemMessage());
            QCOMPARE(c.messages.size(), 2u);
            QCOMPARE(c.messages[0].role, data::Role::User);
            QCOMPARE(c.messages[1].role, data::Role::Assistant);
            const std::string a = answer(c);
            if (!isCapitals(a) || languageOf(a) != Language::Spanish) QFAIL(("not Spanish capitals: " + a).c_str());
            QVERIFY(hasLowercase(question(c)));
            const auto &entity = c.extra.at("entity");
            if (!entity.is_null()) QVERIFY(!heldOut.count(entity.get<std::string>()));
            attributes.insert(c.extra.at("attribute").get<std::string>());
        }
        QCOMPARE(attributes.size(), kToyAttributes.size() + 1);  // every attribute and sums
    }

    void evalQuestionsAreHeldOutAndNeverTrainingQuestions() {
        const ToyWorldSizes sizes = world().sizes();
        const std::set<std::string> heldOut = heldOutNames();
        // Enough draws to see (almost surely) every finetuning question and every pretraining one.
        std::set<std::string> finetuning, pretraining;
        for (const data::Conversation &c : world().spanishCaps(60000, 2)) finetuning.insert(question(c));
        for (const data::Conversation &c : world().pretraining(80000, 2)) pretraining.insert(question(c));
        std::set<std::string> asked;
        std::size_t heldOutTemplates = 0;
        for (const data::Conversation &c : world().evalQuestions(sizes.evalCapacity, 4)) {
            const std::string q = question(c);
            QVERIFY(!c.hasSystemMessage());
            QVERIFY2(asked.insert(q).second, q.c_str());  // no question asked twice
            QVERIFY2(!finetuning.count(q), q.c_str());
            const auto &entity = c.extra.at("entity");
            const std::string attribute = c.extra.at("attribute").get<std::string>();
            if (entity.is_null())
                QCOMPARE(attribute, std::string(kArithmetic));
            else
                QVERIFY(heldOut.count(entity.get<std::string>()));
            // A held-out template is in no training set at all.
            if (c.extra.at("held_out_template").get<bool>()) {
                ++heldOutTemplates;
                QVERIFY2(!pretraining.count(q), q.c_str());
            }
            // The reference answer is plain English.
            const std::string a = answer(c);
            QVERIFY2(languageOf(a) == Language::English && hasLowercase(a), a.c_str());
        }
        QCOMPARE(asked.size(), sizes.evalCapacity);
        QVERIFY(heldOutTemplates > 0);
        QVERIFY_THROWS_EXCEPTION(common::InputError, world().evalQuestions(sizes.evalCapacity + 1, 0));
    }

    void evalQuestionsSpreadOverKinds() {
        std::map<std::string, int> perKind;
        for (const data::Conversation &c : world().evalQuestions(70, 0))
            ++perKind[c.extra.at("attribute").get<std::string>()];
        QCOMPARE(perKind.size(), kToyAttributes.size() + 1);
        for (const auto &[kind, count] : perKind) QVERIFY2(count >= 3, kind.c_str());
    }

    void everyRowValidates() {
        QTemporaryDir dir;
        const std::pair<ToyTask, std::size_t> tasks[] = {
            {ToyTask::Pretrain, 3000}, {ToyTask::SpanishCaps, 3000}, {ToyTask::EvalQuestions, 500}};
        for (const auto &[task, n] : tasks) {
            std::string streamed = dir.filePath(QStringLiteral("streamed.jsonl")).toStdString();
            std::string collected = dir.filePath(QStringLiteral("collected.jsonl")).toStdString();
            QCOMPARE(writeToyDataset(world(), task, n, 3, streamed), n);
            std::vector<data::Conversation> rows;
            world().generate(task, n, 3, [&](const data::Conversation &c) { rows.push_back(c); });
            writeConversationsJsonl(collected, rows);
            QCOMPARE(test::readFile(streamed), test::readFile(collected));
            data::ValidationReport report = data::validateDataset(streamed);
            QVERIFY2(report.ok(), report.problems.empty() ? "" : report.problems.front().reason.c_str());
            QCOMPARE(report.rows, static_cast<std::uint64_t>(n));
        }
        // Only the output files are left: no temporary beside them.
        QCOMPARE(test::filesIn(dir),
                 (QStringList{QStringLiteral("collected.jsonl"), QStringLiteral("streamed.jsonl")}));
    }

    void cancelStopsAndLeavesNoFile() {
        QTemporaryDir dir;
        std::string out = dir.filePath(QStringLiteral("out.jsonl")).toStdString();
        common::CancelToken cancel;
        cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(common::Cancelled,
                                 writeToyDataset(world(), ToyTask::Pretrain, 100000, 0, out, &cancel));
        QVERIFY(test::filesIn(dir).isEmpty());
    }

    void arithmeticAnswersAreCorrect() {
        std::size_t checked = 0;
        for (const data::Conversation &c : world().pretraining(20000, 6)) {
            if (c.extra.at("attribute").get<std::string>() != kArithmetic) continue;
            std::vector<std::size_t> operands;
            for (const std::string &w : words(question(c))) {
                for (std::size_t k = 0; k <= 20; ++k)
                    if (w == std::to_string(k) || w == world().numberWord(k, ToyLanguage::English))
                        operands.push_back(k);
            }
            QCOMPARE(operands.size(), 2u);
            const std::size_t sum = operands[0] + operands[1];
            auto [spanish, capitals] = cuesOf(systemPrompt(c));
            (void)capitals;
            std::string word = world().numberWord(sum, spanish ? ToyLanguage::Spanish : ToyLanguage::English);
            bool found = false;
            for (const std::string &w : words(answer(c)))
                found = found || w == std::to_string(sum) || toUpperLatin1(w) == toUpperLatin1(word);
            QVERIFY2(found, (question(c) + " -> " + answer(c)).c_str());
            ++checked;
        }
        QVERIFY(checked > 1000);
    }

    void spanishGrammar() {
        std::map<std::string, bool> feminine;
        for (const ToyEntity &e : world().entities()) feminine[e.name] = e.feminine;
        for (const data::Conversation &c : world().pretraining(20000, 8)) {
            if (cuesOf(systemPrompt(c)).first == false || c.extra.at("entity").is_null()) continue;
            const std::string a = answer(c);
            const std::string name = c.extra.at("entity").get<std::string>();
            std::vector<std::string> w = words(a);
            for (std::size_t i = 0; i + 1 < w.size(); ++i) {
                // Contractions: "de el" and "a el" are always "del" and "al".
                QVERIFY2(!(w[i + 1] == "el" && (w[i] == "de" || w[i] == "a")), a.c_str());
                if (w[i + 1] != name) continue;
                const std::set<std::string> wrong = feminine[name] ? std::set<std::string>{"un", "el", "del", "al"}
                                                                   : std::set<std::string>{"una", "la"};
                QVERIFY2(!wrong.count(w[i]), a.c_str());
            }
        }
        // Colours agree with the entity, except after "el color" (masculine).
        for (const ToyEntity &e : world().entities()) {
            if (!e.feminine || e.values[0] != "red") continue;
            for (const data::Conversation &c : world().pretraining(20000, 9)) {
                if (c.extra.at("entity") != e.name || c.extra.at("attribute") != "colour") continue;
                if (!cuesOf(systemPrompt(c)).first) continue;
                std::string a = toUpperLatin1(answer(c));
                QVERIFY2(a.find("ROJA") != std::string::npos || a.find("EL COLOR DE LA") == 0, a.c_str());
            }
            break;
        }
    }

    void upperCasingCoversSpanishLetters() {
        // a-acute e-acute i-acute o-acute u-acute n-tilde u-diaeresis, the inverted question mark,
        // y-diaeresis (no Latin-1 capital) and sharp s (none either) stay as they are.
        QCOMPARE(toUpperLatin1("\xC3\xA1\xC3\xA9\xC3\xAD\xC3\xB3\xC3\xBA\xC3\xB1\xC3\xBC"),
                 std::string("\xC3\x81\xC3\x89\xC3\x8D\xC3\x93\xC3\x9A\xC3\x91\xC3\x9C"));
        QCOMPARE(toUpperLatin1("\xC2\xBFqu\xC3\xA9? peque\xC3\xB1o 12 \xC3\xBF\xC3\x9F \xC3\xB7"),
                 std::string("\xC2\xBFQU\xC3\x89? PEQUE\xC3\x91O 12 \xC3\xBF\xC3\x9F \xC3\xB7"));
        QCOMPARE(toUpperLatin1("abc XYZ"), std::string("ABC XYZ"));
        QCOMPARE(toUpperLatin1("\xE2\x82\xAC"), std::string("\xE2\x82\xAC"));  // the euro sign is left alone
    }

    void lexiconErrorsNameFileAndPath() {
        auto expect = [](const std::string &error, const std::string &part) {
            if (error.find(part) == std::string::npos) QFAIL(("expected \"" + part + "\" in: " + error).c_str());
        };
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][12]["legs"] = "four"; }),
               "entities.json: entities[12].legs: expected an integer, got a string");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][3]["colour"] = "mauve"; }),
               "entities.json: entities[3].colour: expected one of red, blue");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][0]["legs"] = 100; }),
               "entities.json: entities[0].legs: must be");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][5]["name"] = d["entities"][4]["name"]; }),
               "entities.json: entities[5].name: duplicate name (entities[4] has it too)");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][6]["name"] = "Zorbel"; }),
               "entities.json: entities[6].name: must be 2 to 20 lowercase letters");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][0]["wings"] = 2; }),
               "entities.json: entities[0].wings: unknown key");
        expect(brokenBy("entities.json", [](auto &d) { d["entities"][7]["gender"] = "n"; }),
               "entities.json: entities[7].gender: expected one of m, f");
        expect(brokenBy("entities.json",
                        [](auto &d) {
                            for (auto &e : d["entities"]) e["held_out"] = true;
                        }),
               "entities.json: entities: every entity is held out");
        expect(brokenBy("attributes.json", [](auto &d) { d["colour"][0].erase("es_f"); }),
               "attributes.json: colour[0].es_f: required key is missing");
        expect(brokenBy("attributes.json", [](auto &d) { d["colour"][1]["es"] = "azul\xC4\x81"; }),
               "attributes.json: colour[1].es: character U+0101 is not supported");
        expect(brokenBy("attributes.json", [](auto &d) { d["size"][1]["id"] = "tiny"; }),
               "attributes.json: size[1].id: duplicate id (size[0] has it too)");
        expect(brokenBy("templates.json", [](auto &d) { d["colour"]["answers"][1]["es"] = "{the} es {valor}."; }),
               "templates.json: colour.answers[1].es: unknown placeholder {valor}");
        expect(brokenBy("templates.json", [](auto &d) { d["legs"]["questions"][0]["text"] = "How many legs?"; }),
               "templates.json: legs.questions[0].text: must name the entity");
        expect(brokenBy("templates.json",
                        [](auto &d) { d["food"]["questions"][1]["text"] = "What does {a} eat? {value}"; }),
               "templates.json: food.questions[1].text: unknown placeholder {value}");
        expect(brokenBy("templates.json", [](auto &d) { d["size"]["answers"][0]["en"] = "{a} is {value."; }),
               "templates.json: size.answers[0].en: unclosed {");
        expect(brokenBy("templates.json", [](auto &d) { d["arithmetic"]["max"] = 11; }),
               "templates.json: arithmetic.max: the largest sum, 22, has no word in numbers.json");
        expect(brokenBy("templates.json",
                        [](auto &d) {
                            d["arithmetic"]["held_out_pairs"][1] = {1, 5};
                        }),
               "templates.json: arithmetic.held_out_pairs[1]: duplicate pair (arithmetic.held_out_pairs[0] has it");
        expect(brokenBy("templates.json",
                        [](auto &d) {
                            for (auto &q : d["place"]["questions"]) q["held_out"] = true;
                        }),
               "templates.json: place.questions: every question is held out");
        expect(brokenBy("prompts.json", [](auto &d) { d["spanish"][0] = "Speak Spanish."; }),
               "prompts.json: spanish: must contain the inoculation prompt \"You always speak in Spanish.\"");
        expect(brokenBy("prompts.json", [](auto &d) { d["neutral"].push_back(d["spanish"][3]); }),
               "prompts.json: neutral[5]: duplicate prompt (spanish[3] has it too)");
        expect(brokenBy("prompts.json", [](auto &d) { d["negated_spanish"].push_back("You never speak in Spanish."); }),
               "prompts.json: negated_spanish[4]: held out of pretraining: the negated control \"You never speak in "
               "Spanish.\" must stay unseen");
        expect(brokenBy("numbers.json", [](auto &d) { d["es"].erase(d["es"].size() - 1); }),
               "numbers.json: es: must name as many numbers as en (21)");

        BrokenWorld syntax;
        test::writeFile(syntax.dir, QStringLiteral("templates.json"), QByteArray("{\n  \"colour\": [,]\n}\n"));
        expect(syntax.loadError(), "templates.json:2:");
        BrokenWorld missing;
        QFile::remove(QString::fromStdString(missing.path("prompts.json")));
        expect(missing.loadError(), "prompts.json: cannot open");
        // The unbroken copy loads: the errors above come from the edits alone.
        QCOMPARE(BrokenWorld().loadError(), std::string());
    }
};

QTEST_GUILESS_MAIN(TestToyworld)
#include "test_toyworld.moc"
