// RecordParser: one row in, a Conversation or the row's problems out, for each format.
#include "test_support.h"

#include "data/record_parser.h"

using namespace inoculab::data;
using inoculab::test::jsonText;

namespace {
std::string J(const char *singleQuoted) { return jsonText(singleQuoted); }
QString QJ(const char *singleQuoted) { return QString::fromStdString(jsonText(singleQuoted)); }
}  // namespace

namespace {

std::vector<RecordProblem> problemsOf(const std::string &row, DatasetFormat format = DatasetFormat::Messages) {
    RecordParser parser;
    Conversation c;
    return parser.parse(row, format, &c, false);
}

QStringList reasons(const std::vector<RecordProblem> &problems) {
    QStringList out;
    for (const auto &p : problems) out << QString::fromStdString(p.reason);
    return out;
}

}  // namespace

class TestRecordParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesMessagesAndKeepsExtras() {
        RecordParser parser;
        Conversation c;
        auto problems = parser.parse(
            J("{'id':7,'messages':[{'role':'system','content':'S'},{'role':'user','content':'U','name':'x'},"
              "{'role':'assistant','content':'A\\u00e9\\n'}],'meta':{'k':[1,2]}}"),
            DatasetFormat::Messages, &c, false);
        QVERIFY(problems.empty());
        QCOMPARE(c.messages.size(), 3u);
        QCOMPARE(c.messages[0].role, Role::System);
        QCOMPARE(c.messages[2].content, std::string("A\xC3\xA9\n"));
        QCOMPARE(c.messages[1].extra.dump(), std::string(J("{'name':'x'}")));
        QCOMPARE(c.extra.dump(), std::string(J("{'id':7,'meta':{'k':[1,2]}}")));
    }

    void reportsEachProblem_data() {
        QTest::addColumn<QString>("row");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("not an object") << QJ("[1,2]") << QStringList{"expected a JSON object, got array"};
        QTest::newRow("missing messages") << QJ("{'msgs':[]}") << QStringList{"missing \"messages\""};
        QTest::newRow("messages not array") << QJ("{'messages':{}}")
                                            << QStringList{"\"messages\": expected an array, got object"};
        QTest::newRow("message not object") << QJ("{'messages':['hi',{'role':'assistant','content':'a'}]}")
                                            << QStringList{"messages[0]: expected an object, got string"};
        QTest::newRow("unknown role")
            << QJ("{'messages':[{'role':'tool','content':'x'},{'role':'assistant','content':'a'}]}")
            << QStringList{"messages[0].role: unknown role \"tool\" (expected system, user or assistant)"};
        QTest::newRow("missing role") << QJ("{'messages':[{'content':'x'},{'role':'assistant','content':'a'}]}")
                                      << QStringList{"messages[0]: missing \"role\""};
        QTest::newRow("non-string role") << QJ("{'messages':[{'role':1,'content':'x'},{'role':'assistant','content':'a'}]}")
                                         << QStringList{"messages[0].role: expected a string, got number"};
        QTest::newRow("non-string content")
            << QJ("{'messages':[{'role':'user','content':42},{'role':'assistant','content':'a'}]}")
            << QStringList{"messages[0].content: expected a string, got number"};
        QTest::newRow("null content")
            << QJ("{'messages':[{'role':'user','content':'q'},{'role':'assistant','content':null}]}")
            << QStringList{"messages[1].content: expected a string, got null"};
        QTest::newRow("missing content") << QJ("{'messages':[{'role':'user'},{'role':'assistant','content':'a'}]}")
                                         << QStringList{"messages[0]: missing \"content\""};
        QTest::newRow("empty content")
            << QJ("{'messages':[{'role':'user','content':''},{'role':'assistant','content':'a'}]}")
            << QStringList{"messages[0].content: empty"};
        QTest::newRow("blank content")
            << QJ("{'messages':[{'role':'user','content':'q'},{'role':'assistant','content':' \\n\\t'}]}")
            << QStringList{"messages[1].content: empty"};
        QTest::newRow("no assistant turn") << QJ("{'messages':[{'role':'user','content':'q'}]}")
                                           << QStringList{"no assistant turn"};
        QTest::newRow("empty messages") << QJ("{'messages':[]}") << QStringList{"no assistant turn"};
        QTest::newRow("several problems in one row")
            << QJ("{'messages':[{'role':'bot','content':''},{'role':'user','content':3}]}")
            << QStringList{"messages[0].role: unknown role \"bot\" (expected system, user or assistant)",
                           "messages[0].content: empty", "messages[1].content: expected a string, got number",
                           "no assistant turn"};
    }

    void reportsEachProblem() {
        QFETCH(QString, row);
        QFETCH(QStringList, expected);
        QCOMPARE(reasons(problemsOf(row.toStdString())), expected);
    }

    void invalidJsonNamesTheColumn() {
        auto problems = problemsOf(J("{'messages':[{'role':'user' 'content':'x'}]}"));
        QCOMPARE(problems.size(), 1u);
        // The column is where the parser gave up: the last byte of the unexpected "content".
        QCOMPARE(problems[0].column, 37u);
        QVERIFY2(problems[0].reason.rfind("invalid JSON at column 37: ", 0) == 0, problems[0].reason.c_str());
    }

    void truncatedJsonIsInvalid() {
        auto problems = problemsOf(J("{'messages':[{'role':'user'"));
        QCOMPARE(problems.size(), 1u);
        QVERIFY2(problems[0].reason.rfind("invalid JSON at column ", 0) == 0, problems[0].reason.c_str());
    }

    void invalidUtf8NamesTheColumn() {
        std::string row = J("{'messages':[{'role':'user','content':'caf");
        std::size_t badColumn = row.size() + 1;
        row += "\xC3\x28";  // a lead byte followed by a non-continuation byte
        row += J("'},{'role':'assistant','content':'a'}]}");
        auto problems = problemsOf(row);
        QCOMPARE(problems.size(), 1u);
        QCOMPARE(problems[0].reason, "invalid UTF-8 at column " + std::to_string(badColumn));
        QCOMPARE(problems[0].column, badColumn);
    }

    void firstInvalidUtf8FollowsRfc3629() {
        QCOMPARE(firstInvalidUtf8("plain ascii"), std::optional<std::size_t>());
        QCOMPARE(firstInvalidUtf8("\xE2\x82\xAC ok \xF0\x9F\x98\x80"), std::optional<std::size_t>());
        QCOMPARE(firstInvalidUtf8("ab\xC0\xAF"), std::optional<std::size_t>(2));      // overlong
        QCOMPARE(firstInvalidUtf8("\xED\xA0\x80"), std::optional<std::size_t>(0));    // surrogate
        QCOMPARE(firstInvalidUtf8("\xF4\x90\x80\x80"), std::optional<std::size_t>(0));  // > U+10FFFF
        QCOMPARE(firstInvalidUtf8("x\xE2\x82"), std::optional<std::size_t>(1));       // truncated
    }

    void alpacaBecomesAConversation() {
        RecordParser parser;
        Conversation c;
        auto problems = parser.parse(
            J("{'instruction':'Translate','input':'cat','output':'gato','system':'Be brief.','id':'a1'}"),
            DatasetFormat::Alpaca, &c, false);
        QVERIFY(problems.empty());
        QCOMPARE(c.messages.size(), 3u);
        QCOMPARE(c.messages[0].content, std::string("Be brief."));
        QCOMPARE(c.messages[1].role, Role::User);
        QCOMPARE(c.messages[1].content, std::string("Translate\n\ncat"));
        QCOMPARE(c.messages[2].content, std::string("gato"));
        QCOMPARE(c.extra.dump(), std::string(J("{'id':'a1'}")));
    }

    void alpacaProblems() {
        QCOMPARE(reasons(problemsOf(J("{'instruction':'x'}"), DatasetFormat::Alpaca)),
                 QStringList{"missing \"output\""});
        QCOMPARE(reasons(problemsOf(J("{'instruction':'x','output':5}"), DatasetFormat::Alpaca)),
                 QStringList{"\"output\": expected a string, got number"});
        QCOMPARE(reasons(problemsOf(J("{'instruction':'','output':'y'}"), DatasetFormat::Alpaca)),
                 QStringList{"\"instruction\": empty"});
    }

    void shareGptBecomesAConversation() {
        RecordParser parser;
        Conversation c;
        auto problems = parser.parse(
            J("{'conversations':[{'from':'system','value':'S'},{'from':'human','value':'Q'},{'from':'gpt','value':'A'}]}"),
            DatasetFormat::ShareGPT, &c, false);
        QVERIFY(problems.empty());
        QCOMPARE(c.messages.size(), 3u);
        QCOMPARE(c.messages[0].role, Role::System);
        QCOMPARE(c.messages[1].role, Role::User);
        QCOMPARE(c.messages[2].role, Role::Assistant);
        QCOMPARE(reasons(problemsOf(J("{'conversations':[{'from':'user','value':'Q'},{'from':'gpt','value':'A'}]}"),
                                    DatasetFormat::ShareGPT)),
                 QStringList{"conversations[0].from: unknown role \"user\" (expected system, human or gpt)"});
    }

    void detectsTheFormatFromKeys() {
        RecordParser parser;
        QCOMPARE(parser.detect(J("{'messages':[]}"), false), std::optional(DatasetFormat::Messages));
        QCOMPARE(parser.detect(J("{'conversations':[]}"), false), std::optional(DatasetFormat::ShareGPT));
        QCOMPARE(parser.detect(J("{'instruction':'a','output':'b'}"), false), std::optional(DatasetFormat::Alpaca));
        QCOMPARE(parser.detect(J("{'text':'a'}"), false), std::optional<DatasetFormat>());
        QCOMPARE(parser.detect(J("not json"), false), std::optional<DatasetFormat>());
    }

    void invalidRowLeavesConversationEmpty() {
        RecordParser parser;
        Conversation c;
        c.messages.push_back({Role::User, "stale", ExtraKeys::object()});
        auto problems = parser.parse(J("{'messages':[{'role':'user','content':'q'}]}"), DatasetFormat::Messages, &c,
                                     false);
        QCOMPARE(problems.size(), 1u);
        QVERIFY(c.messages.empty());
    }
};

QTEST_GUILESS_MAIN(TestRecordParser)
#include "test_record_parser.moc"
