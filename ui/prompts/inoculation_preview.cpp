#include "inoculation_preview.h"

#include "dataset/conversation_view.h"
#include "spec_document.h"

#include "data/chat_render.h"
#include "data/inoculation.h"
#include "experiment/data_paths.h"
#include "experiment/run_data.h"
#include "experiment/spec_tokenizer.h"

#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QtConcurrent>

namespace inoculab::ui {

InoculationPreview::InoculationPreview(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_row(new QSpinBox(this)),
      m_rowCount(new QLabel(this)),
      m_originalTitle(new QLabel(this)),
      m_inoculatedTitle(new QLabel(this)),
      m_original(new ConversationView(this)),
      m_inoculated(new ConversationView(this)) {
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *head = new QHBoxLayout;
    head->addWidget(new QLabel(tr("<b>Preview</b> · training row"), this));
    head->addWidget(m_row);
    head->addWidget(m_rowCount);
    head->addStretch();
    layout->addLayout(head, 0, 0, 1, 2);
    layout->addWidget(m_originalTitle, 1, 0);
    layout->addWidget(m_inoculatedTitle, 1, 1);
    layout->addWidget(m_original, 2, 0);
    layout->addWidget(m_inoculated, 2, 1);
    layout->setRowStretch(2, 1);
    m_row->setRange(0, 0);
    for (QLabel *title : {m_originalTitle, m_inoculatedTitle}) title->setWordWrap(true);

    connect(m_row, &QSpinBox::valueChanged, this, [this] { show(); });
    connect(m_doc, &SpecDocument::changed, this, [this] {
        reloadRowsIfDataChanged();
        show();
    });
    connect(m_doc, &SpecDocument::pathChanged, this, &InoculationPreview::reloadRowsIfDataChanged);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Rows>>::finished, this, [this] {
        std::shared_ptr<Rows> result = m_watcher.result();
        m_rows = std::make_shared<const std::vector<data::Conversation>>(std::move(result->rows));
        m_tokenizer = result->tokenizer;
        m_rowsError = result->error;
        m_row->setRange(0, std::max(0, rowCount() - 1));
        m_rowCount->setText(m_rowsError.isEmpty() ? tr("of %1").arg(QLocale().toString(rowCount())) : QString());
        show();
        Q_EMIT rowsReady();
        reloadRowsIfDataChanged();  // the spec may have changed again while this load ran
    });
    reloadRowsIfDataChanged();
}

InoculationPreview::~InoculationPreview() { m_watcher.waitForFinished(); }

void InoculationPreview::setCondition(int index) {
    m_condition = index;
    show();
}

void InoculationPreview::setRow(int row) { m_row->setValue(row); }

void InoculationPreview::reloadRowsIfDataChanged() {
    // The rows follow train_data; the tokenizer and template follow base_model.
    auto source = std::make_pair(m_doc->spec().trainData, m_doc->spec().baseModel);
    if (m_watcher.isRunning() || (m_loadedFor && *m_loadedFor == source && m_loadedPath == m_doc->path())) return;
    m_loadedFor = source;
    m_loadedPath = m_doc->path();
    experiment::ExperimentSpec spec = m_doc->spec();
    std::string specFile = m_doc->path().toStdString();
    m_rowCount->setText(tr("loading…"));
    // Generating or reading the rows can take a while for a large file: never on this thread.
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [spec, specFile] {
        auto out = std::make_shared<Rows>();
        try {
            experiment::RunInputs in{spec, specFile, std::nullopt};
            if (spec.trainData.isGenerated()) in.world = experiment::ToyWorld::load(experiment::toyWorldDir());
            out->tokenizer = experiment::chatTokenizerFor(spec.baseModel, specFile);
            out->rows = experiment::baseTrainingRows(in);
        } catch (const std::exception &e) {
            out->error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

QString InoculationPreview::tokenSummary() const { return m_inoculatedTitle->text(); }

void InoculationPreview::show() {
    if (!m_rowsError.isEmpty()) {
        m_original->showProblem(m_rowsError);
        m_inoculated->showProblem(m_rowsError);
        return;
    }
    int row = m_row->value();
    const auto &conditions = m_doc->spec().conditions;
    if (!m_rows || !m_tokenizer || row >= rowCount() || m_condition < 0 || m_condition >= int(conditions.size())) {
        m_original->clear();
        m_inoculated->clear();
        return;
    }
    const data::Conversation &original = (*m_rows)[std::size_t(row)];
    const model::ChatTokenizer &tokenizer = *m_tokenizer;
    data::RenderedChat plain = data::renderChat(original, tokenizer.chatTemplate());
    m_original->showChat(plain);
    std::size_t plainTokens = tokenizer.encode(plain).ids.size();
    m_originalTitle->setText(tr("As written · %1 tokens").arg(plainTokens));

    const experiment::ConditionSpec &condition = conditions[std::size_t(m_condition)];
    const QString name = QString::fromStdString(condition.name);
    if (condition.isBaseline()) {
        m_inoculated->showChat(plain);
        m_inoculatedTitle->setText(tr("Condition %1 (no prompt) · %2 tokens").arg(name).arg(plainTokens));
        return;
    }
    if (auto problem = data::checkInoculationOptions(condition.inoculation)) {
        m_inoculated->showProblem(tr("Condition %1: %2").arg(name, QString::fromStdString(*problem)));
        m_inoculatedTitle->setText(tr("Condition %1").arg(name));
        return;
    }
    data::Conversation changed = original;
    data::InoculationResult result = data::inoculate(changed, std::uint64_t(row), condition.inoculation);
    if (result.outcome != data::InoculationOutcome::Applied) {
        QString why =
            result.outcome == data::InoculationOutcome::NotSelected
                ? tr("this row is not among the %1% that get the prompt").arg(condition.inoculation.fraction * 100)
                : QString::fromStdString(data::outcomeProblem(result.outcome));
        m_inoculated->showChat(plain);
        m_inoculatedTitle->setText(tr("Condition %1 · unchanged: %2").arg(name, why));
        return;
    }
    data::RenderedChat rendered = data::renderChat(changed, tokenizer.chatTemplate());
    m_inoculated->showChat(rendered, result.inserted);
    std::size_t tokens = tokenizer.encode(rendered).ids.size();
    m_inoculatedTitle->setText(
        tr("Condition %1 · %2 tokens (+%3)").arg(name).arg(tokens).arg(qint64(tokens) - qint64(plainTokens)));
}

}  // namespace inoculab::ui
