#include "dataset/conversation_view.h"

#include <QFontDatabase>
#include <QTextCursor>

namespace inoculab::ui {

namespace {

// Colours chosen to stay readable on light and dark palettes.
const QColor kMarkerColour(0x80, 0x80, 0x80);
const QColor kTrainedBackground(0x2e, 0xa0, 0x43, 0x38);
const QColor kInsertedBackground(0xf2, 0xc0, 0x00, 0x80);

// QTextCursor positions count UTF-16 units; the rendered text is UTF-8 bytes.
int utf16Length(const std::string &text, std::size_t from, std::size_t length) {
    return int(QString::fromUtf8(text.data() + from, qsizetype(length)).size());
}

}  // namespace

ConversationView::ConversationView(QWidget *parent) : QTextEdit(parent) {
    setReadOnly(true);
    setLineWrapMode(QTextEdit::WidgetWidth);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setPlaceholderText(tr("Select a row to see it as the model sees it."));
}

void ConversationView::showChat(const data::RenderedChat &chat, const std::vector<data::ContentRange> &inserted) {
    clear();
    QTextCursor cursor(document());
    for (const data::Segment &segment : chat.segments) {
        QTextCharFormat format;
        if (segment.kind == data::SegmentKind::RoleMarker || segment.kind == data::SegmentKind::EndOfTurn)
            format.setForeground(kMarkerColour);
        if (segment.trained) format.setBackground(kTrainedBackground);
        cursor.insertText(QString::fromUtf8(chat.text.data() + segment.offset, qsizetype(segment.length)), format);
    }
    // Mark inserted text on top, converting byte offsets to the document's UTF-16 positions.
    for (const data::ContentRange &range : inserted) {
        data::ContentRange at = chat.toTextRange(range);
        if (at.begin == std::string::npos) continue;
        int begin = utf16Length(chat.text, 0, at.begin);
        int length = utf16Length(chat.text, at.begin, at.length);
        QTextCursor mark(document());
        mark.setPosition(begin);
        mark.setPosition(begin + length, QTextCursor::KeepAnchor);
        QTextCharFormat highlight;
        highlight.setBackground(kInsertedBackground);
        highlight.setFontWeight(QFont::Bold);
        mark.mergeCharFormat(highlight);
    }
    moveCursor(QTextCursor::Start);
}

void ConversationView::showProblem(const QString &problem) {
    clear();
    QTextCharFormat format;
    format.setForeground(QColor(0xb0, 0x20, 0x20));
    QTextCursor(document()).insertText(problem, format);
}

}  // namespace inoculab::ui
