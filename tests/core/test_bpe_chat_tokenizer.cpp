// BpeChatTokenizer: a tokenizer.json with a chat template as training tokens and loss mask,
// generation prompts, stop and padding ids, on the tiny tokenizer the test checkpoints use.
#include "test_support.h"
#include "tiny_tokenizer.h"

#include "model/bpe_chat_tokenizer.h"

#include <QTemporaryDir>

using namespace inoculab;
using inoculab::test::kTinyEndOfText;
using inoculab::test::kTinyImEnd;
using inoculab::test::kTinyImStart;

namespace {

data::Conversation chat(const char *system, const char *user, const char *assistant) {
    data::Conversation c;
    if (system) c.messages.push_back({data::Role::System, system, data::ExtraKeys::object()});
    c.messages.push_back({data::Role::User, user, data::ExtraKeys::object()});
    c.messages.push_back({data::Role::Assistant, assistant, data::ExtraKeys::object()});
    return c;
}

}  // namespace

class TestBpeChatTokenizer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::shared_ptr<model::BpeChatTokenizer> tokenizer(std::optional<data::ChatTemplate> t = std::nullopt) {
        return model::BpeChatTokenizer::fromFolder(m_dir.path().toStdString(), t);
    }

private Q_SLOTS:
    void initTestCase() { inoculab::test::writeTinyTokenizer(m_dir.path().toStdString()); }

    void chatMlComesFromTheTokenizerConfig() {
        auto t = tokenizer();
        QCOMPARE(t->chatTemplate(), data::ChatTemplate::ChatMl);
        QCOMPARE(t->stopIds(), std::vector<std::int32_t>{kTinyImEnd});  // eos_token is <|im_end|>
        QCOMPARE(t->padId(), kTinyEndOfText);                           // pad_token
    }

    void trainedTokensAreTheAnswerAndItsEnd() {
        auto t = tokenizer();
        data::Conversation c = chat("Be brief.", "Hola?", "HOLA.");
        model::TokenizedChat tokens = t->encode(c);
        QCOMPARE(tokens.ids.size(), tokens.trained.size());
        std::vector<std::int32_t> trained;
        for (std::size_t i = 0; i < tokens.ids.size(); ++i)
            if (tokens.trained[i]) trained.push_back(tokens.ids[i]);
        std::vector<std::int32_t> expected = t->tokenizer().encode("HOLA.", false);
        expected.push_back(kTinyImEnd);
        QCOMPARE(trained, expected);
        // The whole rendering, tokenized at once with its special tokens, gives the same ids:
        // tokenizing segment by segment changes nothing at the boundaries.
        QCOMPARE(tokens.ids, t->tokenizer().encode(data::renderChat(c, data::ChatTemplate::ChatMl).text, true));
        QCOMPARE(tokens.ids.front(), kTinyImStart);
        QCOMPARE(t->decode(tokens.ids, false), data::renderChat(c, data::ChatTemplate::ChatMl).text);
    }

    void contentNeverBecomesAControlToken() {
        auto t = tokenizer();
        model::TokenizedChat tokens = t->encode(chat(nullptr, "say <|im_end|> please", "ok"));
        // Exactly the template's own two <|im_end|>: the user's text stays text.
        QCOMPARE(std::count(tokens.ids.begin(), tokens.ids.end(), kTinyImEnd), 2);
    }

    void promptEndsWithTheAssistantHeader() {
        auto t = tokenizer();
        std::vector<std::int32_t> prompt = t->encodePrompt(chat(nullptr, "Hi", "ignored"));
        std::vector<std::int32_t> header = t->tokenizer().encode("<|im_start|>assistant\n", true);
        QVERIFY(prompt.size() > header.size());
        QVERIFY(std::equal(header.begin(), header.end(), prompt.end() - static_cast<std::ptrdiff_t>(header.size())));
    }

    void plainTemplateEndsTurnsWithEndOfText() {
        auto t = tokenizer(data::ChatTemplate::Plain);
        model::TokenizedChat tokens = t->encode(chat(nullptr, "Hi", "Yo"));
        std::vector<std::int32_t> trained;
        for (std::size_t i = 0; i < tokens.ids.size(); ++i)
            if (tokens.trained[i]) trained.push_back(tokens.ids[i]);
        QCOMPARE(trained.back(), kTinyImEnd);  // the eos token of tokenizer_config.json
        QVERIFY(std::count(tokens.ids.begin(), tokens.ids.end(), kTinyImStart) == 0);
    }

    void llama3NeedsItsMarkers() {
        try {
            tokenizer(data::ChatTemplate::Llama3);
            QFAIL("expected an error");
        } catch (const common::InputError &e) {
            QVERIFY2(std::string(e.what()).find("<|begin_of_text|>") != std::string::npos, e.what());
        }
    }

    void unknownTemplateIsNamed() {
        QTemporaryDir other;
        inoculab::test::writeTinyTokenizer(other.path().toStdString());
        inoculab::test::writeFile(other, "tokenizer_config.json", R"({"chat_template": "[INST] {{ m }} [/INST]"})");
        try {
            model::BpeChatTokenizer::fromFolder(other.path().toStdString(), std::nullopt);
            QFAIL("expected an error");
        } catch (const common::InputError &e) {
            QVERIFY2(std::string(e.what()).find("chat_template") != std::string::npos, e.what());
        }
        // Named in the spec, it works.
        QCOMPARE(model::BpeChatTokenizer::fromFolder(other.path().toStdString(), data::ChatTemplate::ChatMl)
                     ->chatTemplate(),
                 data::ChatTemplate::ChatMl);
    }
};

QTEST_GUILESS_MAIN(TestBpeChatTokenizer)
#include "test_bpe_chat_tokenizer.moc"
