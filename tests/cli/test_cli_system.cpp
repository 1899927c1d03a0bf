// inoculab-cli system info: the libtorch the worker runs on (the version its --version names,
// the library it was loaded from), whether CUDA is used and, when not, the reason; the GPUs
// through the fake-device seam ($INOCULAB_FAKE_GPUS stands in for NVML), so a CPU-only
// libtorch on a GPU workstation is told apart from a machine without GPUs; a malformed fake
// file is refused naming it; and the text form says the same.
#include "cli_run.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>

#include <filesystem>

namespace {

using Run = inoculab::test::CliRun;

Run cli(const QStringList &args, const QString &fakeGpus = {}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("INOCULAB_FAKE_GPUS"));
    if (!fakeGpus.isEmpty()) env.insert(QStringLiteral("INOCULAB_FAKE_GPUS"), fakeGpus);
    return inoculab::test::runCli(args, env);
}

QJsonObject info(const QString &fakeGpus = {}) {
    Run run = cli({"system", "info", "--json"}, fakeGpus);
    if (run.exitCode != 0) qFatal("system info failed: %s", run.err.constData());
    return QJsonDocument::fromJson(run.out).object();
}

}  // namespace

class TestCliSystem : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void reportsTheLibtorchItRunsOn() {
        QJsonObject report = info();
        QJsonObject torch = report.value("libtorch").toObject();
        QString version = torch.value("version").toString();
        QVERIFY2(version.count('.') == 2, qPrintable(version));
        // The version the programs were built against is the one they run on.
        Run version_ = cli({"--version"});
        QVERIFY2(version_.out.contains("libtorch " + version.toUtf8()), version_.out.constData());
        QString library = torch.value("library").toString();
        QVERIFY2(library.contains("libtorch") && std::filesystem::exists(library.toStdString()), qPrintable(library));
        QCOMPARE(report.value("inoculab").toObject().value("version").toString(),
                 QString::fromUtf8(version_.out.split(' ').value(1)));
        QVERIFY(report.value("threads").toObject().value("cores").toInt() >= 1);
        QVERIFY(!report.value("blas").toObject().value("library").toString().isEmpty());
        // CUDA is used, or the report says why not, never neither.
        QJsonObject cuda = report.value("cuda").toObject();
        if (cuda.value("usable").toBool()) {
            QVERIFY(cuda.value("devices").toInt() >= 1);
            QVERIFY(cuda.value("why_not").isNull());
        } else {
            QVERIFY(!cuda.value("why_not").toString().isEmpty());
            if (!torch.value("cuda_built").toBool())
                QCOMPARE(cuda.value("why_not").toString(), QString("libtorch was built without CUDA"));
        }
    }

    void listsGpusThroughTheSeam() {
        std::string fake = inoculab::test::writeFile(
            m_dir, "gpus.json",
            inoculab::test::jsonText("{'driver':'580.65','gpus':["
                                     "{'name':'NVIDIA H200','memory_total':150754820096,'memory_free':150000000000,"
                                     "'compute_capability':'9.0'},"
                                     "{'name':'Tesla V100-SXM2-16GB','memory_total':17179869184,"
                                     "'compute_capability':'7.0'}]}")
                .c_str());
        QJsonObject report = info(QString::fromStdString(fake));
        QJsonObject gpus = report.value("gpus").toObject();
        QCOMPARE(gpus.value("driver").toString(), QString("580.65"));
        QJsonArray list = gpus.value("gpus").toArray();
        QCOMPARE(list.size(), 2);
        QJsonObject h200 = list[0].toObject(), v100 = list[1].toObject();
        QCOMPARE(h200.value("index").toInt(), 0);
        QCOMPARE(h200.value("name").toString(), QString("NVIDIA H200"));
        QCOMPARE(h200.value("memory_total_bytes").toDouble(), 150754820096.0);
        QCOMPARE(h200.value("memory_free_bytes").toDouble(), 150000000000.0);
        QVERIFY(h200.value("bf16").toBool());   // compute 9.0
        QVERIFY(!v100.value("bf16").toBool());  // compute 7.0: no bf16
        QCOMPARE(v100.value("memory_free_bytes").toDouble(), 17179869184.0);  // free defaults to total
        // GPUs present, CPU-only libtorch: the reason is the build, not the machine.
        if (!report.value("libtorch").toObject().value("cuda_built").toBool())
            QCOMPARE(report.value("cuda").toObject().value("why_not").toString(),
                     QString("libtorch was built without CUDA"));
        Run text = cli({"system", "info"}, QString::fromStdString(fake));
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("GPU 0: NVIDIA H200") && text.out.contains("compute 9.0, bf16") &&
                     text.out.contains("GPU 1: Tesla V100-SXM2-16GB") && text.out.contains("no bf16"),
                 text.out.constData());
    }

    void aMalformedFakeFileIsRefusedNamingIt() {
        std::string fake = inoculab::test::writeFile(
            m_dir, "bad-gpus.json", inoculab::test::jsonText("{'gpus':[{'name':'X','memory_total':1}]}").c_str());
        Run run = cli({"system", "info", "--json"}, QString::fromStdString(fake));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QByteArray::fromStdString(fake)) && run.err.contains("compute_capability"),
                 run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliSystem)
#include "test_cli_system.moc"
