#include "results/samples_view.h"

#include "eval/judges/judge_verdict.h"
#include "store/results_store.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace inoculab::ui {

namespace {

QString escaped(const std::string &text) { return QString::fromStdString(text).toHtmlEscaped(); }

// The judge's distribution, most probable answers first, as a small table.
QString distributionHtml(const std::string &json) {
    eval::JudgeDistribution answers;
    try {
        answers = eval::distributionFromJson(json);
    } catch (const std::invalid_argument &) {
        return QObject::tr("(unreadable)");
    }
    std::sort(answers.begin(), answers.end(),
              [](const eval::JudgeAnswer &a, const eval::JudgeAnswer &b) { return a.probability > b.probability; });
    constexpr std::size_t kShown = 12;
    QString html = QStringLiteral("<table cellspacing=0 cellpadding=1>");
    for (std::size_t i = 0; i < std::min(kShown, answers.size()); ++i)
        html += QStringLiteral("<tr><td><code>%1</code></td><td align=right>&nbsp;%2</td></tr>")
                    .arg(escaped(nlohmann::json(answers[i].text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
                         QString::number(answers[i].probability, 'f', 4));
    if (answers.size() > kShown) html += QObject::tr("<tr><td colspan=2>… %1 more</td></tr>").arg(answers.size() - kShown);
    return html + QStringLiteral("</table>");
}

}  // namespace

SamplesView::SamplesView(QWidget *parent)
    : QWidget(parent),
      m_model(new SamplesModel(this)),
      m_condition(new QComboBox(this)),
      m_seed(new QComboBox(this)),
      m_step(new QComboBox(this)),
      m_context(new QComboBox(this)),
      m_trait(new QComboBox(this)),
      m_min(new QDoubleSpinBox(this)),
      m_max(new QDoubleSpinBox(this)),
      m_text(new QLineEdit(this)),
      m_status(new QLabel(this)),
      m_table(new QTableView(this)),
      m_detail(new QTextBrowser(this)) {
    for (QDoubleSpinBox *box : {m_min, m_max}) {
        box->setRange(0, 1);
        box->setDecimals(2);
        box->setSingleStep(0.05);
        box->setEnabled(false);
    }
    m_max->setValue(1);
    m_min->setToolTip(tr("Lowest trait score shown (judged traits: 0 or 1 with a threshold, else the score / 100)"));
    m_text->setPlaceholderText(tr("Text in the question or answer"));
    m_text->setClearButtonEnabled(true);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->setWordWrap(false);
    m_detail->setOpenLinks(false);
    m_typing.setSingleShot(true);
    m_typing.setInterval(300);

    auto *filters = new QHBoxLayout;
    for (auto [label, box] : {std::pair{tr("Condition"), m_condition}, {tr("Seed"), m_seed}, {tr("Step"), m_step},
                              {tr("Context"), m_context}, {tr("Score"), m_trait}}) {
        filters->addWidget(new QLabel(label, this));
        filters->addWidget(box);
    }
    filters->addWidget(m_min);
    filters->addWidget(new QLabel(QStringLiteral("–"), this));
    filters->addWidget(m_max);
    filters->addWidget(m_text, 1);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_table);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    for (QComboBox *box : {m_condition, m_seed, m_step, m_context, m_trait})
        connect(box, &QComboBox::currentIndexChanged, this, [this] {
            bool ranged = m_trait->currentIndex() > 0;
            m_min->setEnabled(ranged);
            m_max->setEnabled(ranged);
            requery();
        });
    for (QDoubleSpinBox *box : {m_min, m_max})
        connect(box, &QDoubleSpinBox::valueChanged, this, [this] {
            if (m_trait->currentIndex() > 0) requery();
        });
    connect(m_text, &QLineEdit::textChanged, this, [this] { m_typing.start(); });
    connect(&m_typing, &QTimer::timeout, this, &SamplesView::requery);
    connect(m_model, &SamplesModel::pageLoaded, this, &SamplesView::updateStatus);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showDetail(current.row()); });
    updateStatus();
}

void SamplesView::setExperiment(const QString &storePath, std::int64_t experimentId,
                                const store::ExperimentContents &contents, const std::vector<std::uint64_t> &seeds) {
    m_storePath = storePath;
    m_experiment = experimentId;
    m_traits.clear();
    for (const std::string &t : contents.traits) m_traits << QString::fromStdString(t);
    auto refill = [](QComboBox *box, const QString &all, const QStringList &items) {
        QSignalBlocker block(box);
        QString kept = box->currentText();
        box->clear();
        box->addItem(all);
        box->addItems(items);
        int keep = box->findText(kept);
        box->setCurrentIndex(std::max(0, keep));
    };
    QStringList conditions, contexts, seedNames, steps;
    for (const auto &c : contents.conditions) conditions << QString::fromStdString(c.name);
    for (const std::string &c : contents.contexts) contexts << QString::fromStdString(c);
    for (std::uint64_t s : seeds) seedNames << QString::number(s);
    for (std::int64_t s : contents.evaluatedSteps) steps << QString::number(s);
    refill(m_condition, tr("all"), conditions);
    refill(m_seed, tr("all"), seedNames);
    refill(m_step, tr("all"), steps);
    refill(m_context, tr("all"), contexts);
    refill(m_trait, tr("any"), m_traits);
    requery();
}

void SamplesView::showModel(const QString &condition, const QString &context) {
    {
        QSignalBlocker a(m_condition), b(m_context), c(m_seed);
        m_condition->setCurrentIndex(std::max(0, m_condition->findText(condition)));
        m_context->setCurrentIndex(context.isEmpty() ? 0 : std::max(0, m_context->findText(context)));
        m_seed->setCurrentIndex(0);
    }
    requery();
}

store::SampleFilter SamplesView::filter() const {
    store::SampleFilter f;
    if (m_condition->currentIndex() > 0) f.condition = m_condition->currentText().toStdString();
    if (m_seed->currentIndex() > 0) f.seed = m_seed->currentText().toULongLong();
    if (m_step->currentIndex() > 0) f.step = m_step->currentText().toLongLong();
    if (m_context->currentIndex() > 0) f.context = m_context->currentText().toStdString();
    if (m_trait->currentIndex() > 0) {
        f.scoreTrait = m_trait->currentText().toStdString();
        f.minScore = m_min->value();
        f.maxScore = m_max->value();
    }
    if (!m_text->text().isEmpty()) f.text = m_text->text().toStdString();
    return f;
}

void SamplesView::requery() {
    m_detail->clear();
    if (m_storePath.isEmpty() || m_experiment == 0) {
        m_model->clear();
    } else {
        m_model->setQuery(m_storePath, m_experiment, filter(), m_traits);
    }
    updateStatus();
}

void SamplesView::updateStatus() {
    const int rows = m_model->rowCount();
    if (!m_model->error().isEmpty())
        m_status->setText(tr("Cannot read the answers: %1").arg(m_model->error()));
    else if (m_model->isLoading())
        m_status->setText(tr("%1 answers, reading more…").arg(rows));
    else if (!m_model->isComplete())
        m_status->setText(tr("%1 answers so far; more are read as you scroll").arg(rows));
    else
        m_status->setText(tr("%n answer(s)", nullptr, rows));
    if (rows > 0 && !m_table->selectionModel()->hasSelection()) {
        m_table->resizeColumnsToContents();
        m_table->setColumnWidth(m_model->questionColumn(), std::min(m_table->columnWidth(m_model->questionColumn()), 260));
        m_table->horizontalHeader()->setStretchLastSection(true);  // the answer
    }
}

void SamplesView::showDetail(int index) {
    const store::SampleRow *row = m_model->row(index);
    if (!row) {
        m_detail->clear();
        return;
    }
    QString html = tr("<p><b>%1</b>, seed %2, step %3, context <b>%4</b>, question %5, sample %6</p>")
                       .arg(escaped(row->condition))
                       .arg(row->seed)
                       .arg(row->step)
                       .arg(escaped(row->context))
                       .arg(row->questionIndex)
                       .arg(row->sampleIndex);
    html += tr("<h4>Question</h4><pre style='white-space: pre-wrap'>%1</pre>").arg(escaped(row->question));
    html += tr("<h4>Answer</h4><pre style='white-space: pre-wrap'>%1</pre>").arg(escaped(row->answer));
    html += tr("<h4>Scores</h4><table cellspacing=0 cellpadding=2>");
    for (const store::SampleScore &s : row->scores)
        html += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(escaped(s.trait), scoreText(s).toHtmlEscaped());
    html += QStringLiteral("</table>");
    // One primary-key lookup per judged trait of the selected answer: quick enough for the UI
    // thread, unlike the paged listing.
    try {
        store::ResultsStore store = store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
        for (const store::SampleScore &s : row->scores) {
            if (!s.judged) continue;
            html += tr("<h4>Judge of %1</h4><p>%2, %3; mass %4%5</p>")
                        .arg(escaped(s.trait), escaped(s.judge), escaped(s.mode))
                        .arg(s.judgeMass, 0, 'f', 3)
                        .arg(s.dropped ? tr(", dropped") : QString());
            if (std::optional<store::VerdictText> v = store::verdictFor(store, s))
                html += tr("<p>The prompt it read:</p><pre style='white-space: pre-wrap'>%1</pre><p>Its answers:</p>%2")
                            .arg(escaped(v->prompt), distributionHtml(v->distributionJson));
        }
    } catch (const std::exception &e) {
        html += tr("<p>Cannot read the judge's verdict: %1</p>").arg(escaped(e.what()));
    }
    m_detail->setHtml(html);
}

}  // namespace inoculab::ui
