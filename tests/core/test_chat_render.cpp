// renderChat: the exact training text, its segments and which bytes carry the loss.
#include "test_support.h"

#include "data/chat_render.h"

using namespace inoculab::data;

namespace {
Conversation sample() {
    Conversation c;
    c.messages = {{Role::System, "Be brief.", ExtraKeys::object()},
                  {Role::User, "Hola?", ExtraKeys::object()},
                  {Role::Assistant, "HOLA.", ExtraKeys::object()}};
    return c;
}
}  // namespace

class TestChatRender : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rendersThePlainTemplate() {
        RenderedChat chat = renderChat(sample());
        QCOMPARE(chat.text, std::string("<|system|>\nBe brief.<|end|>\n<|user|>\nHola?<|end|>\n"
                                        "<|assistant|>\nHOLA.<|end|>\n"));
        QCOMPARE(renderedLength(sample()), chat.text.size());
    }

    void segmentsTileTheTextInOrder() {
        RenderedChat chat = renderChat(sample());
        std::size_t at = 0;
        for (const Segment &s : chat.segments) {
            QCOMPARE(s.offset, at);
            at += s.length;
        }
        QCOMPARE(at, chat.text.size());
    }

    void onlyAssistantContentAndItsEndAreTrained() {
        RenderedChat chat = renderChat(sample());
        std::string trained;
        for (const Segment &s : chat.segments)
            if (s.trained) trained += chat.text.substr(s.offset, s.length);
        QCOMPARE(trained, std::string("HOLA.<|end|>"));
        QCOMPARE(chat.trainedBytes(), trained.size());
    }

    void contentRangesMapIntoTheText() {
        RenderedChat chat = renderChat(sample());
        ContentRange at = chat.toTextRange({1, 0, 4});
        QCOMPARE(chat.text.substr(at.begin, at.length), std::string("Hola"));
        QCOMPARE(chat.toTextRange({1, 3, 9}).begin, std::string::npos);  // past the content
        QCOMPARE(chat.toTextRange({7, 0, 1}).begin, std::string::npos);  // no such message
    }

    void emptyConversationRendersNothing() {
        QCOMPARE(renderChat(Conversation{}).text, std::string());
    }

    // The Hugging Face formats, byte for byte as Qwen's and Llama 3's Jinja templates write
    // them for the same messages (without their optional default system prompts).
    void rendersChatMl() {
        RenderedChat chat = renderChat(sample(), ChatTemplate::ChatMl);
        QCOMPARE(chat.text, std::string("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHola?<|im_end|>\n"
                                        "<|im_start|>assistant\nHOLA.<|im_end|>\n"));
        QCOMPARE(renderedLength(sample(), ChatTemplate::ChatMl), chat.text.size());
        std::string trained;
        for (const Segment &s : chat.segments)
            if (s.trained) trained += chat.text.substr(s.offset, s.length);
        QCOMPARE(trained, std::string("HOLA.<|im_end|>"));
    }

    void rendersLlama3() {
        RenderedChat chat = renderChat(sample(), ChatTemplate::Llama3);
        QCOMPARE(chat.text, std::string("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                                        "<|start_header_id|>user<|end_header_id|>\n\nHola?<|eot_id|>"
                                        "<|start_header_id|>assistant<|end_header_id|>\n\nHOLA.<|eot_id|>"));
        QCOMPARE(renderedLength(sample(), ChatTemplate::Llama3), chat.text.size());
        std::size_t at = 0;
        for (const Segment &s : chat.segments) {
            QCOMPARE(s.offset, at);
            at += s.length;
        }
        QCOMPARE(at, chat.text.size());
    }

    void promptEndsWithTheAssistantMarker() {
        QCOMPARE(renderPrompt(sample(), ChatTemplate::ChatMl).text,
                 std::string("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHola?<|im_end|>\n"
                             "<|im_start|>assistant\n"));
        QCOMPARE(renderPrompt(sample()).text, std::string("<|system|>\nBe brief.<|end|>\n<|user|>\nHola?<|end|>\n"
                                                          "<|assistant|>\n"));
        Conversation answerOnly;
        answerOnly.messages = {{Role::Assistant, "x", ExtraKeys::object()}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, renderPrompt(answerOnly));
    }

    void templatesAreNamedAndRecognised() {
        for (ChatTemplate t : {ChatTemplate::Plain, ChatTemplate::ChatMl, ChatTemplate::Llama3})
            QCOMPARE(parseChatTemplate(chatTemplateName(t)), std::optional(t));
        QCOMPARE(parseChatTemplate("alpaca"), std::optional<ChatTemplate>());
        QCOMPARE(detectChatTemplate("{% for m in messages %}{{'<|im_start|>' + m['role'] }}"),
                 std::optional(ChatTemplate::ChatMl));
        QCOMPARE(detectChatTemplate("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}"),
                 std::optional(ChatTemplate::Llama3));
        QCOMPARE(detectChatTemplate("{{ bos_token }}[INST] {{ m }} [/INST]"), std::optional<ChatTemplate>());
    }
};

QTEST_GUILESS_MAIN(TestChatRender)
#include "test_chat_render.moc"
