// `model tokenize`: one line of ids per input line, equal to the reference encoder's ids for
// the corpus; --special decides whether <|im_start|> in the text is one token; a line that is
// not UTF-8 and a folder without tokenizer.json are input errors naming where. The command is
// parsed through CLI11 as inoculab-cli parses it.
#include "test_support.h"

#include "../../app/cli/exit_codes.h"
#include "../../app/cli/model_tokenize.h"
#include "common/input_error.h"
#include "model/tokenizer_json.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace inoculab;

namespace {

const std::string kQwen = INOCULAB_TOKENIZER_FIXTURES "/qwen3";

std::string tokenize(const std::string &input, bool special, const std::string &dir = kQwen) {
    std::istringstream in(input);
    std::ostringstream out;
    if (cli::runModelTokenize(dir, special, in, out) != cli::kExitOk) throw std::runtime_error("exit code not 0");
    return out.str();
}

}  // namespace

class TestCliModelTokenize : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void corpusLinesGiveTheReferenceIds() {
        std::ifstream corpus(test::sourcePath("tests/reference/tokenizers/corpus.txt").toStdString());
        std::stringstream input;
        input << corpus.rdbuf();
        std::istringstream lines(tokenize(input.str(), true));
        std::ifstream expected(kQwen + "/expected.jsonl");
        std::string got, want;
        int n = 0;
        while (std::getline(expected, want)) {
            QVERIFY(std::getline(lines, got));
            std::string ids;
            nlohmann::json row = nlohmann::json::parse(want);
            for (int id : row.at("ids")) ids += (ids.empty() ? "" : " ") + std::to_string(id);
            QVERIFY2(got == ids, qPrintable(QString::fromStdString("line " + std::to_string(n + 1) + ": " + got + " vs " + ids)));
            ++n;
        }
        QVERIFY(n >= 150);
        QVERIFY(!std::getline(lines, got));
    }

    void specialTokensOnlyWithTheFlag() {
        QCOMPARE(tokenize("<|im_start|>\n\nhi", true), std::string("151644\n\n6023\n"));
        std::string plain = tokenize("<|im_start|>\n", false);
        QVERIFY(plain.find("151644") == std::string::npos);
        QVERIFY(plain.find(' ') != std::string::npos);
    }

    void badInputIsNamed() {
        try {
            tokenize("ok\nbad \xFF\n", false);
            QFAIL("no error");
        } catch (const common::InputError &e) {
            QCOMPARE(std::string(e.what()).substr(0, 10), std::string("<stdin>:2:"));
        }
        QTemporaryDir empty;
        QVERIFY_THROWS_EXCEPTION(model::TokenizerError, tokenize("x\n", false, empty.path().toStdString()));
    }

    void parsedAsACommand() {
        CLI::App app;
        CLI::App *modelCommand = app.add_subcommand("model");
        cli::CommandAction action;
        cli::addModelTokenizeCommand(*modelCommand, action);
        std::vector<std::string> args{"--special", kQwen, "tokenize", "model"};  // CLI11 wants them reversed
        app.parse(args);
        QVERIFY(action);
        std::istringstream in("<|im_end|>\n");
        std::ostringstream out;
        std::streambuf *oldIn = std::cin.rdbuf(in.rdbuf());
        std::streambuf *oldOut = std::cout.rdbuf(out.rdbuf());
        int code = action();
        std::cin.rdbuf(oldIn);
        std::cout.rdbuf(oldOut);
        QCOMPARE(code, 0);
        QCOMPARE(out.str(), std::string("151645\n"));
    }
};

QTEST_GUILESS_MAIN(TestCliModelTokenize)
#include "test_cli_model_tokenize.moc"
