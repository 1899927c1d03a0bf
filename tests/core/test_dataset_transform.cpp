// convertDataset / inoculateDataset: format round trips and the promise that output appears
// whole or not at all while the input is never touched.
#include "test_support.h"

#include "common/input_error.h"
#include "data/dataset_transform.h"
#include "data/record_parser.h"
#include "data/row_scan.h"

#include <QFile>
#include <sys/stat.h>

using namespace inoculab;
using namespace inoculab::data;

namespace {

std::vector<Conversation> readAll(const std::string &path, DatasetFormat format) {
    std::vector<Conversation> out;
    scanRows(path, format, [&](const RowView &row) {
        if (!row.problems.empty()) qFatal("row %llu invalid: %s", (unsigned long long)row.row, row.problems[0].reason.c_str());
        out.push_back(row.conversation);
        return true;
    });
    return out;
}

InoculationOptions spanish() {
    InoculationOptions o;
    o.prompt = "You always speak in Spanish.";
    return o;
}

}  // namespace

class TestDatasetTransform : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::string out(const char *name) { return m_dir.filePath(name).toStdString(); }

private Q_SLOTS:
    void messagesRoundTripIsByteIdentical() {
        // Canonical compact JSON with extra keys at row and message level comes back unchanged.
        QByteArray content = QByteArray::fromStdString(test::jsonText(
            "{'messages':[{'role':'user','content':'Q \\u00e9\\n\\'x\\'','name':'u1'},"
            "{'role':'assistant','content':'A','weight':0}],'id':'r1','meta':{'tags':['a',1,null,true,2.5]}}\n"));
        std::string in = test::writeFile(m_dir, "canonical.jsonl", content);
        convertDataset({in, out("canonical.out.jsonl"), std::nullopt, nullptr, {}});
        QByteArray written = test::readFile(out("canonical.out.jsonl"));
        QCOMPARE(readAll(out("canonical.out.jsonl"), DatasetFormat::Messages),
                 readAll(in, DatasetFormat::Messages));
        // Non-ASCII stays UTF-8 (not \u escapes) and keys keep their order.
        QCOMPARE(written, QByteArray::fromStdString(test::jsonText(
                              "{'messages':[{'role':'user','content':'Q \xC3\xA9\\n\\'x\\'','name':'u1'},"
                              "{'role':'assistant','content':'A','weight':0}],'id':'r1','meta':{'tags':['a',1,null,true,2.5]}}\n")));
    }

    void alpacaImportRoundTrip() {
        std::string in = test::sampleDataset("alpaca_sample.jsonl");
        TransformSummary s = convertDataset({in, out("alpaca.jsonl"), std::nullopt, nullptr, {}});
        QCOMPARE(s.inputFormat, DatasetFormat::Alpaca);
        QCOMPARE(s.rows, 6u);
        auto original = readAll(in, DatasetFormat::Alpaca);
        auto converted = readAll(out("alpaca.jsonl"), DatasetFormat::Messages);
        QCOMPARE(converted, original);
        QCOMPARE(converted[1].messages[0].content, std::string("How many legs does a spider have?\n\nAnswer in one sentence."));
        QCOMPARE(converted[2].messages[0].role, Role::System);
        // Converting the result again changes nothing.
        convertDataset({out("alpaca.jsonl"), out("alpaca2.jsonl"), std::nullopt, nullptr, {}});
        QCOMPARE(test::readFile(out("alpaca2.jsonl")), test::readFile(out("alpaca.jsonl")));
    }

    void shareGptImportRoundTrip() {
        std::string in = test::sampleDataset("sharegpt_sample.jsonl");
        TransformSummary s = convertDataset({in, out("sharegpt.jsonl"), std::nullopt, nullptr, {}});
        QCOMPARE(s.inputFormat, DatasetFormat::ShareGPT);
        auto converted = readAll(out("sharegpt.jsonl"), DatasetFormat::Messages);
        QCOMPARE(converted, readAll(in, DatasetFormat::ShareGPT));
        QCOMPARE(converted[0].messages[0].role, Role::System);
        QCOMPARE(converted[0].extra.dump(), std::string("{\"source\":\"sample\"}"));
    }

    void inoculateCountsWhatChanged() {
        std::string in = test::sampleDataset("spanish_caps.jsonl");
        QByteArray before = test::readFile(in);
        TransformSummary s = inoculateDataset({in, out("inoc.jsonl"), std::nullopt, nullptr, {}}, spanish());
        QCOMPARE(s.rows, 24u);
        QCOMPARE(s.applied, 24u);
        for (const Conversation &c : readAll(out("inoc.jsonl"), DatasetFormat::Messages))
            QCOMPARE(c.messages[0].content, spanish().prompt);
        QCOMPARE(test::readFile(in), before);
    }

    void fractionPicksTheSameRowsEveryRun() {
        std::string in = test::sampleDataset("spanish_caps.jsonl");
        InoculationOptions o = spanish();
        o.fraction = 0.5;
        o.seed = 11;
        TransformSummary a = inoculateDataset({in, out("half_a.jsonl"), std::nullopt, nullptr, {}}, o);
        inoculateDataset({in, out("half_b.jsonl"), std::nullopt, nullptr, {}}, o);
        QCOMPARE(test::readFile(out("half_a.jsonl")), test::readFile(out("half_b.jsonl")));
        QCOMPARE(a.applied + a.notSelected, 24u);
        auto rows = readAll(out("half_a.jsonl"), DatasetFormat::Messages);
        for (std::uint64_t row = 0; row < rows.size(); ++row)
            QCOMPARE(rows[row].hasSystemMessage(), isRowSelected(11, row, 0.5));
    }

    void existingSystemPoliciesOverAFile() {
        std::string in = test::sampleDataset("sharegpt_sample.jsonl");  // row 0 has a system message
        InoculationOptions o = spanish();
        try {
            inoculateDataset({in, out("refused.jsonl"), std::nullopt, nullptr, {}}, o);
            QFAIL("expected InputError");
        } catch (const common::InputError &e) {
            QCOMPARE(e.file(), in);
            QCOMPARE(e.line(), 1u);
        }
        QVERIFY(!QFile::exists(QString::fromStdString(out("refused.jsonl"))));
        o.onExistingSystem = OnExistingSystem::Skip;
        TransformSummary skip = inoculateDataset({in, out("skip.jsonl"), std::nullopt, nullptr, {}}, o);
        QCOMPARE(skip.skippedExistingSystem, 1u);
        QCOMPARE(skip.applied, 5u);
        o.onExistingSystem = OnExistingSystem::Replace;
        QCOMPARE(inoculateDataset({in, out("replace.jsonl"), std::nullopt, nullptr, {}}, o).replacedSystem, 1u);
        o.onExistingSystem = OnExistingSystem::Prepend;
        QCOMPARE(inoculateDataset({in, out("prepend.jsonl"), std::nullopt, nullptr, {}}, o).prependedSystem, 1u);
    }

    void badRowLeavesNoOutputAndKeepsTheOldOne() {
        QTemporaryDir dir;
        std::string in = test::writeFile(dir, "in.jsonl", test::chatRow() + "\n" + test::chatRow() + "\n{}\n");
        std::string target = test::writeFile(dir, "out.jsonl", "precious\n");
        try {
            inoculateDataset({in, target, std::nullopt, nullptr, {}}, spanish());
            QFAIL("expected InputError");
        } catch (const common::InputError &e) {
            QCOMPARE(std::string(e.what()), in + ":3: missing \"messages\"");
        }
        QCOMPARE(test::readFile(target), QByteArray("precious\n"));
        QCOMPARE(test::filesIn(dir), (QStringList{"in.jsonl", "out.jsonl"}));  // no temporary left
    }

    void cancelLeavesNoOutput() {
        QTemporaryDir dir;
        std::string in = test::writeFile(dir, "in.jsonl", test::chatRow() + "\n");
        common::CancelToken cancel;
        cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(common::Cancelled,
                                 convertDataset({in, dir.filePath("out.jsonl").toStdString(), std::nullopt, &cancel, {}}));
        QCOMPARE(test::filesIn(dir), QStringList{"in.jsonl"});
    }

    void outputReplacesAWholeFileAtomically() {
        QTemporaryDir dir;
        std::string in = test::writeFile(dir, "in.jsonl", test::chatRow() + "\n");
        std::string target = test::writeFile(dir, "out.jsonl", "old\n");
        ::chmod(target.c_str(), 0640);
        convertDataset({in, target, std::nullopt, nullptr, {}});
        QCOMPARE(test::readFile(target), test::chatRow() + "\n");
        QCOMPARE(test::filesIn(dir), (QStringList{"in.jsonl", "out.jsonl"}));
    }

    void outputSameAsInputIsRefused() {
        QTemporaryDir dir;
        std::string in = test::writeFile(dir, "in.jsonl", test::chatRow() + "\n");
        QVERIFY_THROWS_EXCEPTION(common::InputError, convertDataset({in, in, std::nullopt, nullptr, {}}));
        // Also through another spelling of the path and through a symbolic link.
        std::string dotted = dir.path().toStdString() + "/./in.jsonl";
        QVERIFY_THROWS_EXCEPTION(common::InputError, convertDataset({in, dotted, std::nullopt, nullptr, {}}));
        std::string link = dir.filePath("link.jsonl").toStdString();
        QVERIFY(QFile::link(QString::fromStdString(in), QString::fromStdString(link)));
        QVERIFY_THROWS_EXCEPTION(common::InputError,
                                 inoculateDataset({in, link, std::nullopt, nullptr, {}}, spanish()));
        QCOMPARE(test::readFile(in), test::chatRow() + "\n");
    }

    void unwritableOutputFolderIsAnInputError() {
        std::string in = test::sampleDataset("spanish_caps.jsonl");
        QVERIFY_THROWS_EXCEPTION(common::InputError,
                                 convertDataset({in, out("no/such/folder/out.jsonl"), std::nullopt, nullptr, {}}));
    }
};

QTEST_GUILESS_MAIN(TestDatasetTransform)
#include "test_dataset_transform.moc"
