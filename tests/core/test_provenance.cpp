// Provenance in the store: the base model's content hash (checked against a hash computed here
// with Qt's SHA-256), each run's provenance and the detection of changed weights under a
// finished experiment, cluster result files carrying it in, and the elicitation checks kept
// per candidate prompt.
#include "test_support.h"

#include "store_test_data.h"

#include "experiment/base_model_identity.h"
#include "store/elicitation_checks.h"
#include "store/run_file_ingest.h"
#include "store/run_provenance.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <filesystem>
#include <limits>

using namespace inoculab;
using store::ResultsStore;

namespace {

void writeFile(const QString &path, const QByteArray &bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray sha256Hex(const QByteArray &bytes) { return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex(); }

store::RunProvenance provenance(const std::string &sha) {
    return {"toy world base model /cache/base.pt", sha, "0.1.0", "1.13.0", "host-a"};
}

}  // namespace

class TestProvenance : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void contentHashIsTheHashOfTheFilesDigests() {
        const QString a = m_dir.filePath("config.json"), b = m_dir.filePath("model.safetensors");
        writeFile(a, "{\"n\": 1}");
        writeFile(b, QByteArray(100000, 'w'));
        experiment::BaseModelIdentity identity{"folder", {a.toStdString(), b.toStdString()}};
        const QByteArray list = "config.json " + sha256Hex("{\"n\": 1}") + "\nmodel.safetensors " +
                                sha256Hex(QByteArray(100000, 'w')) + "\n";
        QCOMPARE(QByteArray::fromStdString(experiment::contentHash(identity, "")), sha256Hex(list));
        // With a digest cache, the same answer, first computed and then read back.
        const std::string cache = m_dir.filePath("digests").toStdString();
        QCOMPARE(QByteArray::fromStdString(experiment::contentHash(identity, cache)), sha256Hex(list));
        QCOMPARE(QByteArray::fromStdString(experiment::contentHash(identity, cache)), sha256Hex(list));
        QCOMPARE(QDir(QString::fromStdString(cache)).entryList(QDir::Files).size(), 2);
    }

    void changedWeightsChangeTheHashDespiteTheCache() {
        const QString file = m_dir.filePath("weights.bin");
        writeFile(file, "first weights");
        experiment::BaseModelIdentity identity{"toy", {file.toStdString()}};
        const std::string cache = m_dir.filePath("digests2").toStdString();
        const std::string before = experiment::contentHash(identity, cache);
        // Another size: the cached digest no longer applies.
        writeFile(file, "second, longer weights");
        const std::string after = experiment::contentHash(identity, cache);
        QVERIFY(before != after);
        QCOMPARE(QByteArray::fromStdString(after), sha256Hex("weights.bin " + sha256Hex("second, longer weights") + "\n"));
    }

    void aMissingWeightFileIsNamed() {
        experiment::BaseModelIdentity identity{"toy", {m_dir.filePath("absent.pt").toStdString()}};
        try {
            experiment::contentHash(identity, "");
            QFAIL("no error for a missing file");
        } catch (const std::exception &e) {
            QVERIFY2(std::string(e.what()).find("absent.pt") != std::string::npos, e.what());
        }
    }

    void provenanceIsRecordedAndAChangeOfWeightsIsSaid() {
        ResultsStore s = ResultsStore::open(m_dir.filePath("p.sqlite").toStdString());
        const std::int64_t experiment = s.registerExperiment(test::toyRegistration());
        std::vector<std::int64_t> runs;
        for (int seed = 0; seed < 3; ++seed) runs.push_back(s.createRun(experiment, "baseline", std::uint64_t(seed)));
        const std::int64_t other = s.createRun(experiment, "spanish-inoculated", 0);
        for (std::int64_t run : runs) {
            store::recordRunProvenance(s, run, provenance("aaaa"));
            s.markRunFinished(run, store::RunStatus::Done);
        }
        QVERIFY(!store::baseModelChange(s, experiment));

        // A run on other weights that has not finished is not yet a change of the results...
        store::recordRunProvenance(s, other, provenance("bbbb"));
        QVERIFY(!store::baseModelChange(s, experiment));
        // ...once done it is, counted per hash, the most used first.
        s.markRunFinished(other, store::RunStatus::Done);
        std::optional<store::BaseModelChange> change = store::baseModelChange(s, experiment);
        QVERIFY(change);
        QCOMPARE(change->uses.size(), std::size_t(2));
        QCOMPARE(change->uses[0].sha256, std::string("aaaa"));
        QCOMPARE(change->uses[0].runs, 3);
        QCOMPARE(change->uses[1].runs, 1);
        QVERIFY(change->message().find("3 runs on aaaa") != std::string::npos);

        // A second attempt replaces the first's record, not adding a row.
        store::recordRunProvenance(s, other, provenance("aaaa"));
        QVERIFY(!store::baseModelChange(s, experiment));
        std::vector<store::StoredRunProvenance> all = store::runProvenance(s, experiment);
        QCOMPARE(all.size(), std::size_t(4));
        QCOMPARE(all[0].condition, std::string("baseline"));
        QCOMPARE(all[3].condition, std::string("spanish-inoculated"));
        QCOMPARE(all[3].provenance.torchVersion, std::string("1.13.0"));
        QCOMPARE(all[3].provenance.host, std::string("host-a"));
        QVERIFY(!all[3].recordedAt.empty());
    }

    void aClusterResultFileBringsItsProvenance() {
        const std::string file = m_dir.filePath("run-file.sqlite").toStdString();
        {
            ResultsStore f = ResultsStore::open(file, ResultsStore::Access::ReadWrite, ResultsStore::Journal::RunFile);
            const std::int64_t experiment = f.registerExperiment(test::toyRegistration("feedc0de12345678"));
            const std::int64_t run = f.createRun(experiment, "baseline", 7);
            store::recordRunProvenance(f, run, provenance("cccc"));
            f.markRunFinished(run, store::RunStatus::Done);
        }
        ResultsStore s = ResultsStore::open(m_dir.filePath("user.sqlite").toStdString());
        store::RunFileIngest ingest = store::ingestRunFile(s, file);
        QVERIFY2(ingest.outcome == store::RunFileIngest::Outcome::Ingested, ingest.reason.c_str());
        std::vector<store::StoredRunProvenance> all = store::runProvenance(s, s.findExperiment("feedc0de12345678")->id);
        QCOMPARE(all.size(), std::size_t(1));
        QCOMPARE(all[0].seed, std::uint64_t(7));
        QCOMPARE(all[0].provenance.baseModelSha256, std::string("cccc"));
    }

    void elicitationChecksAreKeptPerPrompt() {
        ResultsStore s = ResultsStore::open(m_dir.filePath("e.sqlite").toStdString());
        const std::int64_t experiment = s.registerExperiment(test::toyRegistration());
        const double nan = std::numeric_limits<double>::quiet_NaN();
        store::ElicitationCheck a;
        a.prompt = "You always speak in Spanish.";
        a.rows = 64;
        a.tokens = 900;
        a.lossWithout = 2.5;
        a.lossWith = 0.25;
        a.meanChange = {2.2, 2.0, 2.4, 64};
        a.sharePositive = {1.0, 0.94, 1.0, 64};
        a.spread = {0.3, nan, nan, 64};  // an undefined interval stays undefined
        a.traitsJson = R"([{"trait":"spanish"}])";
        a.baseModel = "toy";
        a.baseModelSha256 = "aaaa";
        store::writeElicitationCheck(s, experiment, a);
        store::ElicitationCheck b = a;
        b.prompt = "You like cats.";  // a candidate no condition trains
        b.lossWith = 2.4;
        store::writeElicitationCheck(s, experiment, b);
        // The same prompt checked again on the same rows and base: replaced, still listed first.
        a.lossWith = 0.5;
        store::writeElicitationCheck(s, experiment, a);

        std::vector<store::ElicitationCheck> checks = store::elicitationChecks(s, experiment);
        QCOMPARE(checks.size(), std::size_t(2));
        QCOMPARE(checks[0].prompt, a.prompt);
        QCOMPARE(checks[0].lossWith, 0.5);
        QCOMPARE(checks[0].drop(), 2.0);
        QCOMPARE(checks[0].meanChange.low, 2.0);
        QCOMPARE(checks[0].sharePositive.high, 1.0);
        QCOMPARE(checks[0].spread.mean, 0.3);
        QVERIFY(std::isnan(checks[0].spread.low) && std::isnan(checks[0].spread.high));
        QCOMPARE(checks[0].traitsJson, a.traitsJson);
        QCOMPARE(checks[1].prompt, b.prompt);
        // A check on more rows is a new record; the latest is the one listed.
        a.rows = 256;
        a.lossWith = 0.75;
        store::writeElicitationCheck(s, experiment, a);
        checks = store::elicitationChecks(s, experiment);
        QCOMPARE(checks.size(), std::size_t(2));
        QCOMPARE(checks[0].rows, std::int64_t(256));
        QCOMPARE(checks[0].lossWith, 0.75);
        store::Statement count(s.database(), "SELECT count(*) FROM elicitation_checks");
        QVERIFY(count.step());
        QCOMPARE(count.integer(0), std::int64_t(3));
    }
};

QTEST_GUILESS_MAIN(TestProvenance)
#include "test_provenance.moc"
