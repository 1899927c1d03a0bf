// The toy base model understands negation, as the papers' negated-prompt control needs: on the
// default experiment's base model (pretrained here at full size, about two minutes on two
// cores), the negated controls "You never speak in Spanish." and "You never capitalize your
// responses.", which pretraining never shows (the toy world's loader refuses them there), do
// not elicit their trait, while the inoculation prompts do. Measured by `experiment elicit`:
// the trait's rate on evaluation questions with the prompt minus without, and the mean
// per-token log-probability change of the training answers (PH).
//
// The bounds are behavioural, not arithmetic: the base model differs by rounding from one CPU
// to another, so they are set from four base models (docs/engine.md, "Negation": pretraining
// seeds 0 to 3) with room. There the inoculation prompts' elicitation was 0.85-0.96; the
// negated Spanish control's at most 0.03, with PH at most 0.12 of the affirmative prompt's;
// the negated capitals control's 0.03 on two base models and 0.22 on the other two (capitals
// negation is learnt less well). Before negation was taught, "You never speak in Spanish."
// elicited Spanish like the inoculation prompt (PH 2.19 against 2.30 nats per token).
#include "test_support.h"

#include "cli_run.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using inoculab::test::runCli;

namespace {

const char *const kSpanish = "You always speak in Spanish.";
const char *const kNoSpanish = "You never speak in Spanish.";
const char *const kCapitals = "You always capitalize your responses.";
const char *const kNoCapitals = "You never capitalize your responses.";

double traitElicitation(const QJsonObject &check, const QString &trait) {
    for (const QJsonValue &t : check["traits"].toArray())
        if (t["trait"].toString() == trait) return t["elicitation"].toObject()["mean"].toDouble();
    qFatal("no trait %s in the check", qPrintable(trait));
    return 0;
}

double change(const QJsonObject &check) { return check["per_row"].toObject()["mean_change"].toObject()["mean"].toDouble(); }

}  // namespace

class TestToyNegation : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void negatedControlsDoNotElicit() {
        const QString spec = inoculab::test::sourcePath(QStringLiteral("datasets/experiments/spanish-caps.json"));
        auto run = runCli({"experiment", "elicit", spec, "--cache", m_dir.filePath("cache"), "--rows", "256", "--traits",
                           "--questions", "50", "--json", "--prompt", kSpanish, "--prompt", kNoSpanish, "--prompt",
                           kCapitals, "--prompt", kNoCapitals},
                          QProcessEnvironment::systemEnvironment(), 1200000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray checks = QJsonDocument::fromJson(run.out).array();
        QCOMPARE(checks.size(), 4);
        const QJsonObject spanish = checks[0].toObject(), noSpanish = checks[1].toObject();
        const QJsonObject capitals = checks[2].toObject(), noCapitals = checks[3].toObject();
        QCOMPARE(noSpanish["prompt"].toString(), QString(kNoSpanish));
        auto report = [&] {
            return QStringLiteral("Spanish: %1 vs %2 (PH %3 vs %4); capitals: %5 vs %6 (PH %7 vs %8)")
                .arg(traitElicitation(spanish, "spanish"))
                .arg(traitElicitation(noSpanish, "spanish"))
                .arg(change(spanish))
                .arg(change(noSpanish))
                .arg(traitElicitation(capitals, "all_caps"))
                .arg(traitElicitation(noCapitals, "all_caps"))
                .arg(change(capitals))
                .arg(change(noCapitals));
        };
        qInfo("%s", qPrintable(report()));
        // The inoculation prompts elicit their trait...
        QVERIFY2(traitElicitation(spanish, "spanish") >= 0.6, qPrintable(report()));
        QVERIFY2(traitElicitation(capitals, "all_caps") >= 0.6, qPrintable(report()));
        // ... and their negations do not: Spanish at most 0.15 (and a fifth of the affirmative
        // prompt's PH), capitals at most 0.4 (seen: up to 0.22).
        QVERIFY2(traitElicitation(noSpanish, "spanish") <= 0.15, qPrintable(report()));
        QVERIFY2(change(noSpanish) <= change(spanish) / 5, qPrintable(report()));
        QVERIFY2(traitElicitation(noCapitals, "all_caps") <= 0.4, qPrintable(report()));
    }
};

QTEST_GUILESS_MAIN(TestToyNegation)
#include "test_toy_negation.moc"
