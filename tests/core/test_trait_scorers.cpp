// Trait scorers: upper-case shares computed by hand, the caps threshold at its edges, the
// language identifier's accuracy on the hand-written test sentences (as written and in
// capitals) and on toy-world answers, whole-word matching with case folding, regexes, and the
// errors a bad spec gives.
#include "test_support.h"

#include "eval/trait_scorers.h"
#include "experiment/toyworld/toyworld.h"

#include <QStringList>

#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace inoculab;
using namespace inoculab::eval;
using experiment::TraitScorer;
using experiment::TraitSpec;

namespace {

const std::array<std::string, 4> kLanguages{"en", "es", "fr", "de"};

std::string languageFile(const char *kind, const std::string &language) {
    return test::sourcePath(QStringLiteral("datasets/languages/%1/%2.txt")
                                .arg(QLatin1String(kind), QString::fromStdString(language)))
        .toStdString();
}

std::string readAll(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) qFatal("cannot read %s", path.c_str());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines(const std::string &path) {
    std::vector<std::string> out;
    std::istringstream in(readAll(path));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == 13) line.pop_back();  // CR
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

std::size_t wordCount(const std::string &line) {
    std::istringstream in(line);
    std::size_t n = 0;
    for (std::string w; in >> w;) ++n;
    return n;
}

// The test sentences of a language with at least five words.
std::vector<std::string> testSentences(const std::string &language) {
    std::vector<std::string> out;
    for (const std::string &line : lines(languageFile("test", language)))
        if (wordCount(line) >= 5) out.push_back(line);
    return out;
}

std::string argmax(const std::map<std::string, double> &probabilities) {
    std::string best;
    double top = -1.0;
    for (const auto &[language, p] : probabilities)
        if (p > top) top = p, best = language;
    return best;
}

TraitSpec spec(TraitScorer scorer) {
    TraitSpec t;
    t.name = "trait";
    t.scorer = scorer;
    return t;
}

TraitSpec capsSpec(double threshold) {
    TraitSpec t = spec(TraitScorer::Caps);
    t.threshold = threshold;
    return t;
}

TraitSpec containsSpec(std::vector<std::string> words, bool caseSensitive = false) {
    TraitSpec t = spec(TraitScorer::Contains);
    t.words = std::move(words);
    t.caseSensitive = caseSensitive;
    return t;
}

TraitSpec regexSpec(const std::string &pattern) {
    TraitSpec t = spec(TraitScorer::Regex);
    t.pattern = pattern;
    return t;
}

TraitSpec languageSpec(const std::string &language) {
    TraitSpec t = spec(TraitScorer::Language);
    t.language = language;
    return t;
}

// The message of the std::invalid_argument the constructor throws, or "" when it does not.
std::string specError(const TraitSpec &t) {
    try {
        TraitScorerFn scorer(t);
    } catch (const std::invalid_argument &e) {
        return e.what();
    }
    return {};
}

bool near(std::optional<double> actual, double expected) { return actual && std::fabs(*actual - expected) < 1e-12; }

std::string assistantAnswer(const data::Conversation &c) {
    for (const data::Message &m : c.messages)
        if (m.role == data::Role::Assistant) return m.content;
    return {};
}

// Accuracy of argmax over every test sentence, transformed by `prepare`; prints the
// per-language accuracy and the confusion counts.
using Prepare = std::string (*)(const std::string &);
std::map<std::string, double> accuracyReport(const char *title, Prepare prepare) {
    const LanguageIdentifier &id = LanguageIdentifier::builtIn();
    std::map<std::string, double> accuracy;
    for (const std::string &language : kLanguages) {
        std::map<std::string, int> confusion;
        std::vector<std::string> sentences = testSentences(language);
        std::vector<std::string> wrong;
        for (const std::string &sentence : sentences) {
            std::string text = prepare(sentence);
            std::string guess = argmax(id.probabilities(text));
            ++confusion[guess];
            if (guess != language) wrong.push_back(guess + ": " + text);
        }
        accuracy[language] = static_cast<double>(confusion[language]) / static_cast<double>(sentences.size());
        QString row = QStringLiteral("%1 %2: accuracy %3 (%4/%5); guessed")
                          .arg(QLatin1String(title), QString::fromStdString(language))
                          .arg(accuracy[language], 0, 'f', 4)
                          .arg(confusion[language])
                          .arg(sentences.size());
        for (const std::string &other : kLanguages)
            row += QStringLiteral(" %1=%2").arg(QString::fromStdString(other)).arg(confusion[other]);
        qInfo().noquote() << row;
        for (const std::string &w : wrong) qInfo().noquote() << "  missed" << QString::fromStdString(w);
    }
    return accuracy;
}

std::string asWritten(const std::string &text) { return text; }
std::string inCapitals(const std::string &text) { return upperCase(text); }

}  // namespace

class TestTraitScorers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void upperCaseShareByHand() {
        QVERIFY(near(upperCaseShare("ABC"), 1.0));
        QVERIFY(near(upperCaseShare("abc"), 0.0));
        QVERIFY(near(upperCaseShare("AbCd"), 0.5));
        // ÁRBOL: 5 upper; está: 4 lower.
        QVERIFY(near(upperCaseShare("ÁRBOL está"), 5.0 / 9.0));
        QVERIFY(near(upperCaseShare("ÑANDÚ ñandú"), 0.5));
        QVERIFY(near(upperCaseShare("Ça VA, Œuvre"), 4.0 / 9.0));
        // Digits and punctuation are not letters.
        QVERIFY(near(upperCaseShare("A1b2-C3!?"), 2.0 / 3.0));
        QVERIFY(near(upperCaseShare("42 ABC !!!"), 1.0));
        // ß has no one-letter upper case: STRAßE is all capitals, straße has 5 cased letters.
        QVERIFY(near(upperCaseShare("STRAßE"), 1.0));
        QVERIFY(near(upperCaseShare("straße"), 0.0));
        QVERIFY(near(upperCaseShare("ΑΒγ"), 2.0 / 3.0));   // Greek
        QVERIFY(near(upperCaseShare("МИР мир"), 0.5));     // Cyrillic
        QVERIFY(near(upperCaseShare("AB\xff\xfe"), 1.0));  // invalid bytes are skipped
        QVERIFY(!upperCaseShare("").has_value());
        QVERIFY(!upperCaseShare("1234, 5678!").has_value());
        QVERIFY(!upperCaseShare("ß ª º").has_value());
    }

    void caseMapping() {
        QCOMPARE(lowerCase("ÁRBOL Ñu ÇA ŒUVRE ÜBER İ"), std::string("árbol ñu ça œuvre über i"));
        QCOMPARE(upperCase("árbol ñu ça œuvre"), std::string("ÁRBOL ÑU ÇA ŒUVRE"));
        QCOMPARE(upperCase("Straße"), std::string("STRASSE"));
        QCOMPARE(lowerCase("x\xff y"), std::string("x\xff y"));
    }

    void capsThresholdEdges() {
        TraitScorerFn caps(capsSpec(0.9));
        QCOMPARE(caps.name(), std::string("trait"));
        QCOMPARE(caps.score("ABCDEFGHIj"), 1.0);  // 9/10, exactly the threshold
        QCOMPARE(caps.score("ABCDEFGHij"), 0.0);  // 8/10
        QCOMPARE(caps.score("ABCDEFGHi"), 0.0);   // 8/9, just below
        QCOMPARE(caps.score("LA RESPUESTA ES 11."), 1.0);
        QCOMPARE(caps.score("1234 !!"), 0.0);  // no cased letter
        QCOMPARE(caps.score(""), 0.0);

        TraitScorerFn threeQuarters(capsSpec(0.75));
        QCOMPARE(threeQuarters.score("ABCd"), 1.0);   // exactly 0.75
        QCOMPARE(threeQuarters.score("ÁBÇdé"), 0.0);  // 0.6

        TraitScorerFn all(capsSpec(1.0));
        QCOMPARE(all.score("ÉL ESTÁ AQUÍ"), 1.0);
        QCOMPARE(all.score("ÉL ESTÁ AQUí"), 0.0);

        TraitScorerFn zero(capsSpec(0.0));
        QCOMPARE(zero.score("all lower"), 1.0);
        QCOMPARE(zero.score("..."), 0.0);
    }

    void testDataIsHeldOutFromTheProfiles() {
        std::vector<std::string> profiles;
        for (const std::string &language : kLanguages) {
            profiles.push_back(readAll(languageFile("profile", language)));
            profiles.push_back(readAll(languageFile("stopwords", language)));
        }
        for (const std::string &language : kLanguages) {
            std::vector<std::string> sentences = testSentences(language);
            QVERIFY2(sentences.size() >= 220, language.c_str());
            QCOMPARE(sentences.size(), lines(languageFile("test", language)).size());  // every line has 5+ words
            for (const std::string &sentence : sentences)
                for (const std::string &profile : profiles)
                    QVERIFY2(profile.find(sentence) == std::string::npos, sentence.c_str());
        }
    }

    void languageAccuracy() {
        std::map<std::string, double> accuracy = accuracyReport("as written", &asWritten);
        for (const auto &[language, share] : accuracy) QVERIFY2(share >= 0.95, language.c_str());
    }

    void languageAccuracyInCapitals() {
        std::map<std::string, double> accuracy = accuracyReport("capitals", &inCapitals);
        for (const auto &[language, share] : accuracy) QVERIFY2(share >= 0.95, language.c_str());
    }

    void languageConfidence() {
        // Calibration: most ordinary sentences get more than 0.9 for their language.
        const LanguageIdentifier &id = LanguageIdentifier::builtIn();
        for (const std::string &language : kLanguages) {
            std::vector<std::string> sentences = testSentences(language);
            std::size_t confident = 0;
            for (const std::string &s : sentences) confident += id.probability(s, language) > 0.9;
            double share = static_cast<double>(confident) / static_cast<double>(sentences.size());
            qInfo().noquote() << QStringLiteral("%1: share of test sentences with p > 0.9: %2")
                                     .arg(QString::fromStdString(language))
                                     .arg(share, 0, 'f', 4);
            QVERIFY2(share >= 0.9, language.c_str());
        }
    }

    void languageExamples() {
        const LanguageIdentifier &id = LanguageIdentifier::builtIn();
        QVERIFY(id.probability("EL GATO ES AZUL Y VIVE EN EL BOSQUE.", "es") > 0.9);
        QVERIFY(id.probability("El gato es azul y vive en el bosque.", "es") > 0.9);
        QVERIFY(id.probability("THE CAT IS BLUE AND LIVES IN THE FOREST.", "en") > 0.9);
        QVERIFY(id.probability("THE CAT IS BLUE AND LIVES IN THE FOREST.", "es") < 0.1);
        QVERIFY(id.probability("LE CHAT EST BLEU ET VIT DANS LA FORÊT.", "fr") > 0.9);
        QVERIFY(id.probability("DIE KATZE IST BLAU UND LEBT IM WALD.", "de") > 0.9);
        // Garbled, as a small model writes.
        QCOMPARE(argmax(id.probabilities("EL GATTO ES AZULL Y VIVEE EN EL BOSQ")), std::string("es"));
        QCOMPARE(argmax(id.probabilities("the catt is bleu and livs in teh forrest")), std::string("en"));
        // Short texts.
        QCOMPARE(argmax(id.probabilities("¿Dónde está?")), std::string("es"));
        QCOMPARE(argmax(id.probabilities("Thank you very much")), std::string("en"));
        QCOMPARE(argmax(id.probabilities("Merci beaucoup")), std::string("fr"));
        QCOMPARE(argmax(id.probabilities("Vielen Dank")), std::string("de"));

        std::map<std::string, double> p = id.probabilities("Una frase cualquiera en español.");
        QCOMPARE(p.size(), std::size_t{4});
        double sum = 0.0;
        for (const auto &[language, value] : p) {
            QVERIFY(value >= 0.0 && value <= 1.0);
            sum += value;
        }
        QVERIFY(std::fabs(sum - 1.0) < 1e-9);

        // No letter, no language: every probability is 0.
        for (const char *text : {"", "12345", "?! ... 3.14", "¿?"})
            for (const auto &[language, value] : id.probabilities(text)) QCOMPARE(value, 0.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, id.probability("hola", "it"));
        QCOMPARE(id.languages(), std::vector<std::string>(kLanguages.begin(), kLanguages.end()));
    }

    void languageScorer() {
        TraitScorerFn spanish(languageSpec("es"));
        QVERIFY(spanish.score("UN BLAMKAX TIENE DOS PATAS.") > 0.5);
        QVERIFY(spanish.score("A blamkax has two legs.") < 0.5);
        QCOMPARE(spanish.score("42"), 0.0);
    }

    void toyWorldTexts() {
        auto world = experiment::ToyWorld::load(test::sourcePath(QStringLiteral("datasets/toyworld")).toStdString());
        const LanguageIdentifier &id = LanguageIdentifier::builtIn();

        std::size_t spanish = 0;
        std::vector<data::Conversation> finetuning = world.spanishCaps(200, 1);
        for (const data::Conversation &row : finetuning) {
            std::string answer = assistantAnswer(row);
            if (id.probability(answer, "es") > 0.5)
                ++spanish;
            else
                qInfo().noquote() << "  not Spanish:" << QString::fromStdString(answer);
        }
        double share = static_cast<double>(spanish) / static_cast<double>(finetuning.size());
        qInfo().noquote() << QStringLiteral("toy world spanishCaps(200, 1): Spanish p > 0.5 for %1 (%2/%3)")
                                 .arg(share, 0, 'f', 4)
                                 .arg(spanish)
                                 .arg(finetuning.size());
        QVERIFY(share >= 0.95);

        std::map<std::string, std::pair<int, int>> byStyle;  // style: (right, total)
        for (const data::Conversation &row : world.pretraining(400, 2)) {
            std::string style = row.extra.at("style").get<std::string>();
            // A negated row is Spanish when it also has a Spanish cue: one of its sentences.
            bool spanishCue = false;
            if (style == "negated" && row.messages.front().role == data::Role::System) {
                const std::string &system = row.messages.front().content;
                for (const std::string &cue : world.prompts(experiment::ToyStyle::Spanish))
                    spanishCue = spanishCue || system.rfind(cue + " ", 0) == 0 ||
                                 (system.size() > cue.size() && system.compare(system.size() - cue.size() - 1,
                                                                               std::string::npos, " " + cue) == 0);
            }
            std::string expected = (style == "spanish" || style == "both" || spanishCue) ? "es" : "en";
            QVERIFY2(style == "spanish" || style == "both" || style == "none" || style == "neutral" ||
                         style == "capitals" || style == "negated",
                     style.c_str());
            std::string answer = assistantAnswer(row);
            std::string guess = argmax(id.probabilities(answer));
            auto &[right, total] = byStyle[style];
            ++total;
            if (guess == expected)
                ++right;
            else
                qInfo().noquote() << "  " << QString::fromStdString(style + " as " + guess + ": " + answer);
        }
        for (const auto &[style, counts] : byStyle) {
            qInfo().noquote() << QStringLiteral("toy world pretraining(400, 2) style %1: %2/%3 right")
                                     .arg(QString::fromStdString(style))
                                     .arg(counts.first)
                                     .arg(counts.second);
            QCOMPARE(counts.first, counts.second);
        }
    }

    void containsWholeWords() {
        TraitScorerFn owl(containsSpec({"owl"}));
        QCOMPARE(owl.score("I love owls."), 0.0);  // not inside a word
        QCOMPARE(owl.score("An owl!"), 1.0);
        QCOMPARE(owl.score("OWL"), 1.0);
        QCOMPARE(owl.score("owl2"), 0.0);  // digits are word characters
        QCOMPARE(owl.score("(owl)"), 1.0);
        QCOMPARE(owl.score("snowl owl"), 1.0);  // the second occurrence counts

        TraitScorerFn tree(containsSpec({"árbol"}));
        QCOMPARE(tree.score("UN ÁRBOL GRANDE"), 1.0);  // accented letters fold too
        QCOMPARE(tree.score("los árboles"), 0.0);
        QCOMPARE(tree.score("arbol"), 0.0);  // accents are not ignored

        TraitScorerFn hello(containsSpec({"hola", "buenos días"}));
        QCOMPARE(hello.score("Viajamos a Holanda."), 0.0);
        QCOMPARE(hello.score("¡HOLA!"), 1.0);
        QCOMPARE(hello.score("BUENOS DÍAS, amigo"), 1.0);
        QCOMPARE(hello.score("buenos díasx"), 0.0);

        TraitScorerFn bol(containsSpec({"bol"}));
        QCOMPARE(bol.score("árbol"), 0.0);  // the letter before is two bytes: still a letter
        QCOMPARE(bol.score("ébol"), 0.0);
        QCOMPARE(bol.score("un bol de sopa"), 1.0);

        TraitScorerFn strict(containsSpec({"Owl"}, true));
        QCOMPARE(strict.score("an owl"), 0.0);
        QCOMPARE(strict.score("an Owl"), 1.0);
        QCOMPARE(strict.score("an OWL"), 0.0);
    }

    void regexMatches() {
        TraitScorerFn number(regexSpec("\\b[0-9]+\\b"));
        QCOMPARE(number.score("the answer is 42."), 1.0);
        QCOMPARE(number.score("no digits here"), 0.0);
        QCOMPARE(number.score("x42y"), 0.0);

        TraitScorerFn anchored(regexSpec("^[A-Z ]+\\.$"));
        QCOMPARE(anchored.score("ALL CAPS."), 1.0);
        QCOMPARE(anchored.score("Not caps."), 0.0);
    }

    void specErrors() {
        auto mentions = [](const std::string &message, const char *field) {
            return message.find(field) != std::string::npos;
        };
        QVERIFY(mentions(specError(languageSpec("it")), "language"));
        QVERIFY(mentions(specError(languageSpec("")), "language"));
        QVERIFY(mentions(specError(containsSpec({})), "words"));
        QVERIFY(mentions(specError(containsSpec({"ok", ""})), "words"));
        QVERIFY(mentions(specError(regexSpec("(unclosed")), "pattern"));
        QVERIFY(mentions(specError(capsSpec(1.5)), "threshold"));
        QVERIFY(mentions(specError(capsSpec(std::nan(""))), "threshold"));
        QCOMPARE(specError(languageSpec("de")), std::string());
    }

    void scoresFromSeveralThreads() {
        TraitScorerFn spanish(languageSpec("es"));
        TraitScorerFn pattern(regexSpec("[0-9]+"));
        std::vector<std::string> texts = testSentences("es");
        for (const std::string &t : testSentences("en")) texts.push_back(t);
        std::vector<double> expected;
        for (const std::string &t : texts) expected.push_back(spanish.score(t) + pattern.score(t));

        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (int k = 0; k < 4; ++k)
            threads.emplace_back([&, k] {
                for (std::size_t i = 0; i < texts.size(); ++i)
                    if (spanish.score(texts[i]) + pattern.score(texts[i]) != expected[i]) ++mismatches[k];
            });
        for (std::thread &t : threads) t.join();
        for (int m : mismatches) QCOMPARE(m, 0);
    }
};

QTEST_GUILESS_MAIN(TestTraitScorers)
#include "test_trait_scorers.moc"
