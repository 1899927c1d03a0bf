#pragma once
// InoculationPreview: a training row of the open experiment exactly as the model will be
// trained on it (the core chat rendering with the base model's chat template), as it is and
// under the selected condition's inoculation, side by side, with the inserted text
// highlighted and token counts from the base model's own tokenizer.
#include "data/conversation.h"
#include "experiment/experiment_spec.h"
#include "model/chat_tokenizer.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QSpinBox;

namespace inoculab::ui {

class ConversationView;
class SpecDocument;

class InoculationPreview : public QWidget {
    Q_OBJECT
public:
    InoculationPreview(SpecDocument *document, QWidget *parent = nullptr);
    ~InoculationPreview() override;

    void setCondition(int index);
    void setRow(int row);
    int rowCount() const { return int(m_rows ? m_rows->size() : 0); }
    ConversationView *originalView() const { return m_original; }
    ConversationView *inoculatedView() const { return m_inoculated; }
    QString tokenSummary() const;
    // The training rows are read (or generated) off the UI thread; rowsReady follows.
    bool isLoading() const { return m_watcher.isRunning(); }

Q_SIGNALS:
    void rowsReady();

private:
    struct Rows {
        std::vector<data::Conversation> rows;
        std::shared_ptr<const model::ChatTokenizer> tokenizer;
        QString error;
    };
    void reloadRowsIfDataChanged();
    void show();

    SpecDocument *m_doc;
    int m_condition = 0;
    std::shared_ptr<const std::vector<data::Conversation>> m_rows;
    QString m_rowsError;
    std::shared_ptr<const model::ChatTokenizer> m_tokenizer;
    std::optional<std::pair<experiment::TrainDataSpec, experiment::BaseModelSpec>> m_loadedFor;
    QString m_loadedPath;
    // Its own pool, not Qt's global one: the raster paint engine waits on that one for large
    // fills, so a load there would stall repaints (see dataset/background_job.h).
    QThreadPool m_pool;
    QFutureWatcher<std::shared_ptr<Rows>> m_watcher;
    QSpinBox *m_row;
    QLabel *m_rowCount;
    QLabel *m_originalTitle;
    QLabel *m_inoculatedTitle;
    ConversationView *m_original;
    ConversationView *m_inoculated;
};

}  // namespace inoculab::ui
