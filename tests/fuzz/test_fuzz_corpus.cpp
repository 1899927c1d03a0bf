// Runs the fuzz bodies over the seed corpus and deterministic mutations of it, so every
// build (not only the clang fuzz build) exercises the parsers on hostile input. A broken
// property aborts the suite; the input that broke it is left in <build>/fuzz-failure-*.bin.
#include "test_support.h"

#include "fuzz_bodies.h"

#include <QDirIterator>
#include <QFile>

#include <random>

using FuzzBody = void (*)(const std::uint8_t *, std::size_t);

namespace {

QList<QByteArray> loadCorpus(const QString &name) {
    QList<QByteArray> seeds;
    QDirIterator it(inoculab::test::sourcePath("tests/fuzz/corpus/" + name), QDir::Files);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly)) seeds << f.readAll();
    }
    return seeds;
}

// Byte-level mutations in the spirit of libFuzzer's: flips, inserts of JSON-significant
// bytes, deletions, duplications and splices of two seeds.
QByteArray mutate(QByteArray input, const QList<QByteArray> &seeds, std::mt19937_64 &rng) {
    static const QByteArray kTokens[] = {"\"", "{", "}", "[", "]", ":", ",", "\\", "\\u", "\\ud800", "\n", "\r\n",
                                         "\xEF\xBB\xBF", "\xC3", "\xF4\x90\x80\x80", "null", "\"role\"", "\"content\"",
                                         "\"assistant\"", "\"messages\"", " ", "\0"};
    int steps = 1 + int(rng() % 4);
    for (int s = 0; s < steps; ++s) {
        qsizetype at = input.isEmpty() ? 0 : qsizetype(rng() % quint64(input.size() + 1));
        switch (rng() % 5) {
        case 0:
            if (!input.isEmpty()) input[qMin(at, input.size() - 1)] ^= char(1 << (rng() % 8));
            break;
        case 1: input.insert(at, kTokens[rng() % std::size(kTokens)]); break;
        case 2: input.remove(at, qsizetype(rng() % 8)); break;
        case 3: input.insert(at, input.mid(qsizetype(rng() % quint64(input.size() + 1)), qsizetype(rng() % 16))); break;
        case 4: {
            const QByteArray &other = seeds[qsizetype(rng() % quint64(seeds.size()))];
            input = input.left(at) + other.mid(qsizetype(rng() % quint64(other.size() + 1)));
            break;
        }
        }
    }
    return input;
}

void runBody(FuzzBody body, const QString &name, int mutations) {
    QList<QByteArray> seeds = loadCorpus(name);
    QVERIFY2(!seeds.isEmpty(), qPrintable("no seeds for " + name));
    QString failurePath = QStringLiteral(INOCULAB_BINARY_DIR "/fuzz-failure-") + name + ".bin";
    auto run = [&](const QByteArray &input) {
        // Written before the run: if the body aborts, the input is there to reproduce it.
        QFile failure(failurePath);
        if (failure.open(QIODevice::WriteOnly)) failure.write(input);
        failure.close();
        body(reinterpret_cast<const std::uint8_t *>(input.constData()), std::size_t(input.size()));
    };
    for (const QByteArray &seed : seeds) run(seed);
    std::mt19937_64 rng(20261128);
    for (int i = 0; i < mutations; ++i) run(mutate(seeds[qsizetype(rng() % quint64(seeds.size()))], seeds, rng));
    QFile::remove(failurePath);
}

}  // namespace

class TestFuzzCorpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void recordParser() { runBody(&inoculab::fuzz::recordParser, "record_parser", 20000); }
    void jsonlScan() { runBody(&inoculab::fuzz::jsonlScan, "jsonl_scan", 2000); }
    void experimentSpec() { runBody(&inoculab::fuzz::experimentSpec, "experiment_spec", 10000); }
    void safetensors() { runBody(&inoculab::fuzz::safetensors, "safetensors", 10000); }
    void tokenizerJson() { runBody(&inoculab::fuzz::tokenizerJson, "tokenizer_json", 3000); }
    void chatCompletion() { runBody(&inoculab::fuzz::chatCompletion, "chat_completion", 20000); }
    void slurmFiles() { runBody(&inoculab::fuzz::slurmFiles, "slurm_files", 20000); }
};

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "test_fuzz_corpus.moc"
