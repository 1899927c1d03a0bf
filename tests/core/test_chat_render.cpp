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
};

QTEST_GUILESS_MAIN(TestChatRender)
#include "test_chat_render.moc"
