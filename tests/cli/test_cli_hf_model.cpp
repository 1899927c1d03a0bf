// A Hugging Face model folder through the real binaries: `model info` and `model tokenize`
// on tiny checkpoints, and `experiment run` finetuning one with LoRA (adapters saved in
// PEFT's layout) and in full with gradient checkpointing, evaluated and summarised like the
// toy model.
#include "test_support.h"
#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cmath>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cli(const QStringList &args, const QByteArray &input = {}, int timeoutMs = 180000) {
    QProcess process;
    process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) qFatal("inoculab-cli did not finish: %s", qPrintable(args.join(' ')));
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

// A tiny checkpoint with the tiny tokenizer, in `dir`/name.
QString tinyModel(const QTemporaryDir &dir, const char *arch, const char *name) {
    const std::string folder = dir.filePath(QLatin1String(name)).toStdString();
    inoculab::test::writeTinyCheckpoint(arch, folder);
    inoculab::test::writeTinyTokenizer(folder);
    return QString::fromStdString(folder);
}

// The CLI smoke experiment on a Hugging Face base: the toy world's rows and questions,
// conditions baseline and inoc-spanish, one seed, a few steps.
QString hfSpec(const QTemporaryDir &dir, const QString &name, const QString &modelFolder, const QJsonObject &training) {
    QJsonObject spec =
        QJsonDocument::fromJson(inoculab::test::readFile(
                                    inoculab::test::sourcePath("tests/cli/data/smoke-experiment.json").toStdString()))
            .object();
    spec["name"] = name;
    spec["base_model"] = QJsonObject{{"kind", "hf"}, {"path", modelFolder}};
    QJsonArray conditions = spec["conditions"].toArray();
    spec["conditions"] = QJsonArray{conditions[0], conditions[1]};
    spec["seeds"] = QJsonArray{0};
    spec["training"] = training;
    QJsonObject evaluation = spec["evaluation"].toObject();
    QJsonObject questions = evaluation["questions"].toObject();
    questions["count"] = 4;
    evaluation["questions"] = questions;
    evaluation["max_new_tokens"] = 12;
    evaluation["every_steps"] = 2;
    spec["evaluation"] = evaluation;
    return QString::fromStdString(inoculab::test::writeFile(dir, name + ".json", QJsonDocument(spec).toJson()));
}

QList<QJsonObject> events(const QByteArray &out) {
    QList<QJsonObject> list;
    for (const QByteArray &line : out.split('\n'))
        if (!line.isEmpty()) list.push_back(QJsonDocument::fromJson(line).object());
    return list;
}

}  // namespace

class TestCliHfModel : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    // `experiment validate` says what training needs of a GPU and whether each GPU has it: two
    // GPUs through the fake-device seam, one roomy and one that cannot hold even the CUDA
    // allowance. The estimate's weight terms follow from `model info`'s parameter count.
    void validateEstimatesTheGpuMemory() {
        QString model = tinyModel(m_dir, "qwen2", "memory-base");
        Run info = cli({"model", "info", model});
        QRegularExpressionMatch m = QRegularExpression("parameters +(\\d+) ").match(QString::fromUtf8(info.out));
        QVERIFY2(m.hasMatch(), info.out.constData());
        const qint64 parameters = m.captured(1).toLongLong();
        const qint64 gib = qint64(1) << 30;
        const std::string gpus = inoculab::test::writeFile(
            m_dir, "memory-gpus.json",
            QJsonDocument(QJsonObject{{"gpus", QJsonArray{QJsonObject{{"name", "Roomy"}, {"memory_total", 16 * gib},
                                                                      {"memory_free", 8 * gib}, {"compute_capability", "9.0"}},
                                                          QJsonObject{{"name", "Tiny"}, {"memory_total", gib},
                                                                      {"memory_free", gib / 2}, {"compute_capability", "8.0"}}}}})
                .toJson());
        qputenv("INOCULAB_FAKE_GPUS", QByteArray::fromStdString(gpus));
        auto estimate = [&](const QJsonObject &training) {
            Run run = cli({"experiment", "validate", hfSpec(m_dir, "hf-memory", model, training), "--json"});
            if (run.exitCode != 0) qWarning("%s", run.err.constData());
            return QJsonDocument::fromJson(run.out).object()["gpu_memory"].toObject();
        };
        QJsonObject full = estimate({{"method", "full"}, {"steps", 2}, {"batch_size", 4}, {"learning_rate", 1e-3},
                                     {"max_length", 64}});
        qint64 sum = 0;
        for (const char *term : {"weights_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes",
                                 "logits_bytes", "overhead_bytes"})
            sum += full[term].toInteger();
        QCOMPARE(full["estimate_bytes"].toInteger(), sum);
        QCOMPARE(full["weights_bytes"].toInteger(), 4 * parameters);  // fp32, all trained
        QCOMPARE(full["gradients_bytes"].toInteger(), 4 * parameters);
        QCOMPARE(full["optimizer_bytes"].toInteger(), 8 * parameters);
        QCOMPARE(full["rows_per_forward"].toInt(), 4);  // unset: the whole batch
        QCOMPARE(full["length"].toInt(), 64);
        QJsonArray perGpu = full["gpus"].toArray();
        QCOMPARE(perGpu.size(), 2);
        QCOMPARE(perGpu[0].toObject()["fit"].toString(), QString("fits"));
        QCOMPARE(perGpu[1].toObject()["fit"].toString(), QString("does_not_fit"));
        QVERIFY(perGpu[1].toObject()["message"].toString().contains("not even one row fits"));

        // LoRA: a bf16 base beside fp32 adapters, which alone get gradients and AdamW moments;
        // rows_per_forward as the spec says.
        QJsonObject lora = estimate({{"method", "lora"}, {"steps", 2}, {"batch_size", 4}, {"learning_rate", 1e-3},
                                     {"max_length", 64}, {"rows_per_forward", 2},
                                     {"lora", QJsonObject{{"rank", 4}, {"alpha", 8}}}});
        const qint64 adapters = lora["gradients_bytes"].toInteger() / 4;
        QVERIFY(adapters > 0 && adapters < parameters / 4);
        QCOMPARE(lora["weights_bytes"].toInteger(), 2 * parameters + 4 * adapters);
        QCOMPARE(lora["optimizer_bytes"].toInteger(), 8 * adapters);
        QCOMPARE(lora["rows_per_forward"].toInt(), 2);
        QCOMPARE(lora["activations_bytes"].toInteger() * 2, full["activations_bytes"].toInteger());  // half the rows

        Run text = cli({"experiment", "validate", hfSpec(m_dir, "hf-memory", model, QJsonObject{{"method", "full"}, {"steps", 2},
                        {"batch_size", 4}, {"learning_rate", 1e-3}, {"max_length", 64}})});
        qunsetenv("INOCULAB_FAKE_GPUS");
        QVERIFY2(text.out.contains("training on a GPU needs an estimated") && text.out.contains("GPU 0 (Roomy): fits, 8.0 GiB free") &&
                     text.out.contains("GPU 1 (Tiny): training needs an estimated"),
                 text.out.constData());
        Run tooMany = cli({"experiment", "validate", hfSpec(m_dir, "hf-memory", model, QJsonObject{{"method", "full"},
                           {"steps", 2}, {"batch_size", 4}, {"learning_rate", 1e-3}, {"rows_per_forward", 8}})});
        QCOMPARE(tooMany.exitCode, 2);
        QVERIFY2(tooMany.err.contains("training.rows_per_forward: must not exceed batch_size (4)"), tooMany.err.constData());
    }

    void infoDescribesAFolderAndRefusesPickles() {
        QString qwen = tinyModel(m_dir, "qwen2", "qwen2");
        Run info = cli({"model", "info", qwen});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        QVERIFY2(info.out.contains("qwen2"), info.out.constData());
        QVERIFY2(info.out.contains("model.layers.1.self_attn.q_proj.bias"), info.out.constData());

        QDir(m_dir.path()).mkpath("pickled");
        inoculab::test::writeFile(m_dir, "pickled/config.json", "{}");
        inoculab::test::writeFile(m_dir, "pickled/pytorch_model.bin", "not really a pickle");
        Run refused = cli({"model", "info", m_dir.filePath("pickled")});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("pytorch_model.bin"), refused.err.constData());
    }

    void tokenizeReadsLinesAndKnowsSpecialTokens() {
        QString qwen = tinyModel(m_dir, "qwen2", "tok");
        Run plain = cli({"model", "tokenize", qwen}, "the cat\n<|im_end|>\n");
        QVERIFY2(plain.exitCode == 0, plain.err.constData());
        QList<QByteArray> lines = plain.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        // "the" then " c" "at": the merges "th"+"e"... are the tiny vocabulary's.
        QVERIFY(!lines[0].isEmpty());
        QVERIFY2(!lines[1].split(' ').contains(QByteArray::number(inoculab::test::kTinyImEnd)), lines[1].constData());
        Run special = cli({"model", "tokenize", qwen, "--special"}, "<|im_end|>\n");
        QCOMPARE(special.out.trimmed(), QByteArray::number(inoculab::test::kTinyImEnd));
    }

    void loraExperimentRunsEndToEnd() {
        QString model = tinyModel(m_dir, "qwen2", "lora-base");
        QJsonObject training{{"method", "lora"},
                             {"steps", 4},
                             {"batch_size", 4},
                             {"learning_rate", 1e-3},
                             {"max_length", 200},
                             {"lora", QJsonObject{{"rank", 4}, {"alpha", 8}}}};
        QString spec = hfSpec(m_dir, "hf-lora", model, training);
        QString store = m_dir.filePath("lora.sqlite");
        Run run = cli({"experiment", "run", spec, "--store", store, "--cache", m_dir.filePath("cache"), "--progress",
                       "jsonl"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QStringList adapters;
        int evals = 0, steps = 0;
        for (const QJsonObject &e : events(run.out)) {
            QVERIFY2(e.value("run") != "pretrain", "a Hugging Face base is not pretrained");
            if (e.value("event") == "eval") ++evals;
            if (e.value("event") == "step") {
                // transformers' linear schedule without warmup: step k (0-based) of 4 at (4 - k) / 4
                // of the peak, down towards 0 (not the toy model's floor of a tenth).
                const int k = e.value("step").toInt() - 1;
                const double expected = 1e-3 * (4 - k) / 4.0;
                QVERIFY2(std::abs(e.value("lr").toDouble() - expected) <= 1e-18,
                         qPrintable(QStringLiteral("step %1: lr %2").arg(k + 1).arg(e.value("lr").toDouble())));
                ++steps;
            }
            if (e.value("event") == "done" && e.value("status") == "done") adapters << e.value("adapter").toString();
        }
        QCOMPARE(evals, 2 * 3);  // steps 0, 2, 4 for each of two runs
        QCOMPARE(steps, 2 * 4);
        QCOMPARE(adapters.size(), 2);
        for (const QString &adapter : adapters) {
            QVERIFY2(QFile::exists(adapter + "/adapter_model.safetensors"), qPrintable(adapter));
            QJsonObject config = QJsonDocument::fromJson(inoculab::test::readFile(
                                                             (adapter + "/adapter_config.json").toStdString()))
                                     .object();
            QCOMPARE(config.value("peft_type").toString(), QString("LORA"));
            QCOMPARE(config.value("r").toInt(), 4);
            QCOMPARE(config.value("base_model_name_or_path").toString(), model);
        }
        Run summary = cli({"results", "summary", "--store", store, "--experiment", "hf-lora", "--json"});
        QVERIFY2(summary.exitCode == 0, summary.err.constData());
        QCOMPARE(QJsonDocument::fromJson(summary.out).array().size(), 2 * 2 * 2);  // condition x context x trait
    }

    // The elicitation check scores the rows under the Hugging Face base as it is: the same
    // answer tokens with and without each prompt, in the model's template and tokens.
    void elicitationCheckScoresTheBase() {
        QString model = tinyModel(m_dir, "qwen3", "elicit-base");
        QJsonObject training{{"method", "lora"},      {"steps", 2},        {"batch_size", 4},
                             {"learning_rate", 1e-3}, {"max_length", 200}, {"lora", QJsonObject{{"rank", 4}, {"alpha", 8}}}};
        QString spec = hfSpec(m_dir, "hf-elicit", model, training);
        QJsonObject job{{"kind", "elicit"},
                        {"spec", spec},
                        {"cache", m_dir.filePath("cache")},
                        {"prompts", QJsonArray{"You always speak in Spanish.", "You are a helpful assistant."}},
                        {"rows", 8}};
        QString jobFile =
            QString::fromStdString(inoculab::test::writeFile(m_dir, "elicit-job.json", QJsonDocument(job).toJson()));
        Run run = cli({"worker", "--job", jobFile, "--progress", "jsonl"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QList<double> without;
        for (const QJsonObject &e : events(run.out))
            if (e.value("event") == "elicitation") {
                QCOMPARE(e.value("rows").toInt(), 8);
                QVERIFY(e.value("tokens").toInt() > 8);
                QVERIFY(std::isfinite(e.value("loss_with").toDouble()));
                without << e.value("loss_without").toDouble();
            }
        QCOMPARE(without.size(), 2);
        QCOMPARE(without[0], without[1]);
    }

    void fullFinetuneWithGradientCheckpointing() {
        QString model = tinyModel(m_dir, "llama", "full-base");
        QJsonObject training{{"method", "full"},        {"steps", 2},          {"batch_size", 4},
                             {"learning_rate", 1e-3},   {"max_length", 200},   {"gradient_checkpointing", true}};
        QString spec = hfSpec(m_dir, "hf-full", model, training);
        QString store = m_dir.filePath("full.sqlite");
        QFile tokenizerConfig(model + "/tokenizer_config.json");  // the tiny tokenizer is ChatML
        QVERIFY(tokenizerConfig.exists());
        Run run = cli({"experiment", "run", spec, "--store", store, "--cache", m_dir.filePath("cache"), "--progress",
                       "jsonl"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        int done = 0;
        for (const QJsonObject &e : events(run.out))
            if (e.value("event") == "done" && e.value("status") == "done") {
                ++done;
                QVERIFY(!e.contains("adapter"));
            }
        QCOMPARE(done, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliHfModel)
#include "test_cli_hf_model.moc"
