#pragma once
// ConversationView: shows a rendered chat exactly as the model is trained on it. Role
// markers are grey, bytes that carry the loss are tinted green, and inoculation text the
// transform inserted is marked in yellow.
#include "data/chat_render.h"

#include <QTextEdit>

namespace inoculab::ui {

class ConversationView : public QTextEdit {
    Q_OBJECT
public:
    explicit ConversationView(QWidget *parent = nullptr);

    // `inserted` are content ranges (as returned by data::inoculate) to highlight.
    void showChat(const data::RenderedChat &chat, const std::vector<data::ContentRange> &inserted = {});
    void showProblem(const QString &problem);
};

}  // namespace inoculab::ui
