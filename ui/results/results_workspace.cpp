#include "results_workspace.h"

#include "charts/elicitation_relation.h"
#include "charts/figure_caption.h"
#include "charts/figure_export.h"
#include "charts/paper_theme.h"
#include "report/report_writer.h"
#include "results/export_dialog.h"
#include "results/samples_view.h"
#include "store/results_store.h"

#include <QAction>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScatterSeries>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace inoculab::ui {

ResultsWorkspace::ResultsWorkspace(QWidget *parent)
    : QWidget(parent),
      m_title(new QLabel(this)),
      m_kind(new QComboBox(this)),
      m_context(new QComboBox(this)),
      m_series(new QComboBox(this)),
      m_style(new QComboBox(this)),
      m_traitsButton(new QToolButton(this)),
      m_export(new QPushButton(tr("Export…"), this)),
      m_view(new QChartView(this)),
      m_caption(new QLabel(this)),
      m_table(new QTableWidget(0, 0, this)),
      m_tabs(new QTabWidget(this)),
      m_samples(new SamplesView(this)) {
    m_kind->addItems({tr("Trait expression per condition"), tr("Curves over training steps"),
                      tr("Elicitation against suppression"), tr("Two traits against each other")});
    m_style->addItems({tr("Dots"), tr("Bars")});
    m_traitsButton->setText(tr("Traits"));
    m_traitsButton->setPopupMode(QToolButton::InstantPopup);
    m_traitsButton->setMenu(new QMenu(m_traitsButton));
    m_compareButton = new QToolButton(this);
    m_compareButton->setText(tr("Compare"));
    m_compareButton->setToolTip(tr("Draw other experiments' conditions beside these (this store or another)"));
    m_compareButton->setPopupMode(QToolButton::InstantPopup);
    m_compareButton->setMenu(new QMenu(m_compareButton));
    m_compareButton->setEnabled(false);
    connect(m_compareButton->menu(), &QMenu::aboutToShow, this, &ResultsWorkspace::fillCompareMenu);
    m_export->setToolTip(tr("Save the chart as SVG, PDF or PNG, or its numbers as CSV or LaTeX"));
    m_export->setEnabled(false);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(360, 240);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);

    auto *head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Chart"), this));
    controls->addWidget(m_kind);
    controls->addWidget(new QLabel(tr("Context"), this));
    controls->addWidget(m_context);
    controls->addWidget(m_traitsButton);
    controls->addWidget(m_series);
    controls->addWidget(m_style);
    controls->addStretch(1);
    controls->addWidget(m_compareButton);
    controls->addWidget(m_export);
    // The table has many columns: below the chart it shows them all at any window width.
    auto *split = new QSplitter(Qt::Vertical, this);
    // The caption a paper would print (n models, interval method, the fit) right under the chart.
    m_caption->setWordWrap(true);
    m_caption->setTextFormat(Qt::PlainText);  // names come from the spec: never read as markup
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *figure = new QWidget(this);
    auto *figureLayout = new QVBoxLayout(figure);
    figureLayout->setContentsMargins(0, 0, 0, 0);
    figureLayout->addWidget(m_view, 1);
    figureLayout->addWidget(m_caption);
    split->addWidget(figure);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({640, 260});
    auto *charts = new QWidget(this);
    auto *chartsLayout = new QVBoxLayout(charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addLayout(controls);
    chartsLayout->addWidget(split, 1);
    m_tabs->addTab(charts, tr("Charts"));
    m_tabs->addTab(m_samples, tr("Samples"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(head);
    layout->addWidget(m_tabs, 1);
    m_title->setText(tr("Select an experiment in the navigator to see its results."));
    m_series->setVisible(false);

    for (QComboBox *box : {m_kind, m_context, m_series, m_style})
        connect(box, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    connect(m_export, &QPushButton::clicked, this, &ResultsWorkspace::exportFigure);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        QString condition, context;
        for (int c = 0; c < m_table->columnCount(); ++c) {
            QString header = m_table->horizontalHeaderItem(c) ? m_table->horizontalHeaderItem(c)->text() : QString();
            QTableWidgetItem *item = m_table->item(row, c);
            if (!item) continue;
            if (header == QLatin1String("Condition")) condition = item->text();
            if (header == QLatin1String("Context")) context = item->text();
        }
        if (!condition.isEmpty()) showSamples(condition, context);
    });
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Loaded>>::finished, this, [this] {
        std::shared_ptr<Loaded> result = m_watcher.result();
        if (!result->error.isEmpty()) {
            m_title->setText(tr("Cannot read the results: %1").arg(result->error.toHtmlEscaped()));
            m_data.reset();
        } else {
            m_data = result->data;
            std::vector<std::uint64_t> seeds;
            for (const store::TraitSummaryRow &row : m_data->summary)
                for (std::uint64_t seed : row.seeds)
                    if (std::find(seeds.begin(), seeds.end(), seed) == seeds.end()) seeds.push_back(seed);
            std::sort(seeds.begin(), seeds.end());
            m_samples->setExperiment(m_storePath, m_experiment, result->primary, seeds);
        }
        rebuildChoices();
        redraw();
        Q_EMIT loaded();
        if (m_again) {
            m_again = false;
            refresh();
        }
    });
}

ResultsWorkspace::~ResultsWorkspace() { m_watcher.waitForFinished(); }

void ResultsWorkspace::addBanner(QWidget *banner) { static_cast<QVBoxLayout *>(layout())->insertWidget(0, banner); }

void ResultsWorkspace::setStoreHasExperiments(bool any) {
    if (m_experiment != 0) return;
    m_title->setText(any ? tr("Select an experiment in the navigator to see its results.") : QString());
}

QChart *ResultsWorkspace::chart() const { return m_view->chart(); }

void ResultsWorkspace::setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name) {
    m_storePath = storePath;
    m_experiment = experimentId;
    m_name = name;
    m_compare.clear();
    m_compareButton->setEnabled(experimentId != 0);
    m_title->setText(tr("<b>%1</b>: finished runs, mean across seeds with 95% intervals").arg(name.toHtmlEscaped()));
    refresh();
}

void ResultsWorkspace::setCompared(const std::vector<charts::ExperimentRef> &others) {
    m_compare = others;
    QStringList names;
    for (const charts::ExperimentRef &r : others)
        names << (r.store == m_storePath ? r.experiment : QStringLiteral("%1 (%2)").arg(r.experiment, r.store));
    QString title = tr("<b>%1</b>: finished runs, mean across seeds with 95% intervals").arg(m_name.toHtmlEscaped());
    if (!names.isEmpty()) title += tr(" — beside %1").arg(names.join(QStringLiteral(", ")).toHtmlEscaped());
    m_title->setText(title);
    refresh();
}

void ResultsWorkspace::fillCompareMenu() {
    QMenu *menu = m_compareButton->menu();
    menu->clear();
    auto isCompared = [this](const QString &store, const QString &name) {
        return std::any_of(m_compare.begin(), m_compare.end(),
                           [&](const charts::ExperimentRef &r) { return r.store == store && r.experiment == name; });
    };
    auto toggle = [this](const charts::ExperimentRef &ref, bool on) {
        std::vector<charts::ExperimentRef> next;
        for (const charts::ExperimentRef &r : m_compare)
            if (!(r.store == ref.store && r.experiment == ref.experiment)) next.push_back(r);
        if (on) next.push_back(ref);
        setCompared(next);
    };
    try {
        store::ResultsStore s = store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
        const std::vector<store::ExperimentRecord> experiments = s.experiments();
        for (const store::ExperimentRecord &e : experiments) {
            if (e.id == m_experiment) continue;
            // A name registered twice (its spec changed) is told apart by its spec hash.
            const bool shared = std::count_if(experiments.begin(), experiments.end(),
                                              [&](const store::ExperimentRecord &o) { return o.name == e.name; }) > 1;
            const QString name = QString::fromStdString(shared ? e.specHash.substr(0, 12) : e.name);
            QAction *a = menu->addAction(shared ? QStringLiteral("%1 (%2)").arg(QString::fromStdString(e.name), name) : name);
            a->setCheckable(true);
            a->setChecked(isCompared(m_storePath, name));
            connect(a, &QAction::toggled, this, [this, toggle, name](bool on) { toggle({m_storePath, name}, on); });
        }
    } catch (const std::exception &) {
        // An unreadable store offers no experiments; the other store's entry still works.
    }
    for (const charts::ExperimentRef &r : m_compare)
        if (r.store != m_storePath) {
            QAction *a = menu->addAction(QStringLiteral("%1 (%2)").arg(r.experiment, r.store));
            a->setCheckable(true);
            a->setChecked(true);
            connect(a, &QAction::toggled, this, [toggle, r](bool on) { toggle(r, on); });
        }
    menu->addSeparator();
    menu->addAction(tr("From Another Store…"), this, [this, toggle] {
        const QString store = QFileDialog::getOpenFileName(this, tr("Compare with an Experiment of Another Store"),
                                                           QString(), tr("SQLite stores (*.sqlite *.db)"));
        if (store.isEmpty()) return;
        QStringList names;
        try {
            store::ResultsStore s = store::ResultsStore::open(store.toStdString(), store::ResultsStore::Access::ReadOnly);
            for (const store::ExperimentRecord &e : s.experiments()) names << QString::fromStdString(e.name);
        } catch (const std::exception &e) {
            QMessageBox::warning(this, tr("Compare"), QString::fromStdString(e.what()));
            return;
        }
        if (names.isEmpty()) {
            QMessageBox::information(this, tr("Compare"), tr("%1 holds no experiment.").arg(store));
            return;
        }
        bool ok = false;
        const QString name = QInputDialog::getItem(this, tr("Compare"), tr("Experiment"), names, 0, false, &ok);
        if (ok) toggle({store, name}, true);
    });
    if (!m_compare.empty()) menu->addAction(tr("Show This Experiment Alone"), this, [this] { setCompared({}); });
}

void ResultsWorkspace::refresh() {
    if (m_storePath.isEmpty() || m_experiment == 0) return;
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    QString path = m_storePath;
    std::int64_t id = m_experiment;
    std::vector<charts::ExperimentRef> compare = m_compare;
    // A store with many samples takes a while to aggregate: never on the UI thread.
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [path, id, compare] {
        auto out = std::make_shared<Loaded>();
        try {
            charts::ResultsData own = charts::loadResultsData(path, id);
            out->primary = own.contents;
            if (compare.empty()) {
                out->data = std::make_shared<const charts::ResultsData>(std::move(own));
            } else {
                // By spec hash: a name may have been registered more than once.
                QString self = own.experimentName;
                store::ResultsStore s = store::ResultsStore::open(path.toStdString(), store::ResultsStore::Access::ReadOnly);
                for (const store::ExperimentRecord &e : s.experiments())
                    if (e.id == id) self = QString::fromStdString(e.specHash.substr(0, 16));
                std::vector<charts::ExperimentRef> refs{{path, self}};
                refs.insert(refs.end(), compare.begin(), compare.end());
                out->data = std::make_shared<const charts::ResultsData>(charts::loadCombined(refs));
            }
        } catch (const std::exception &e) {
            out->error = QStringLiteral("%1: %2").arg(path, QString::fromStdString(e.what()));
        }
        return out;
    }));
}

void ResultsWorkspace::rebuildChoices() {
    QSignalBlocker blockContext(m_context), blockSeries(m_series);
    QString context = m_context->currentText();
    QString series = m_series->currentData().toString();
    m_context->clear();
    m_series->clear();
    QStringList traits;
    if (m_data) {
        m_context->addItem(tr("all"));
        for (const std::string &c : m_data->contents.contexts) m_context->addItem(QString::fromStdString(c));
        for (const std::string &t : m_data->contents.traits) traits << QString::fromStdString(t);
    }
    int keep = m_context->findText(context);
    m_context->setCurrentIndex(keep >= 0 ? keep : std::min(1, m_context->count() - 1));
    fillSeries(charts::ChartKind(std::max(0, m_kind->currentIndex())), series);

    QMenu *menu = m_traitsButton->menu();
    menu->clear();
    for (const QString &t : traits) {
        QAction *action = menu->addAction(t);
        action->setCheckable(true);
        action->setChecked(m_traits.isEmpty() || m_traits.contains(t));
        connect(action, &QAction::toggled, this, [this] {
            QStringList chosen;
            bool all = true;
            for (QAction *a : m_traitsButton->menu()->actions()) {
                if (a->isChecked())
                    chosen << a->text();
                else
                    all = false;
            }
            m_traits = all ? QStringList() : chosen;
            redraw();
        });
    }
}

void ResultsWorkspace::fillSeries(charts::ChartKind kind, const QString &keep) {
    QSignalBlocker block(m_series);
    m_series->clear();
    m_seriesKind = kind;
    if (m_data && kind == charts::ChartKind::Curves)
        for (const QString &s : charts::curveSeries(*m_data)) m_series->addItem(charts::seriesLabel(s), s);
    if (m_data && kind == charts::ChartKind::Elicitation)
        for (const QString &s : charts::elicitationMeasures(*m_data))
            m_series->addItem(charts::elicitationMeasureLabel(s), s);
    int index = m_series->findData(keep);
    if (index < 0) index = m_series->findData(QStringLiteral("metric:train_loss"));
    m_series->setCurrentIndex(std::max(0, index));
}

charts::ChartRequest ResultsWorkspace::request() const {
    charts::ChartRequest r;
    r.kind = charts::ChartKind(std::max(0, m_kind->currentIndex()));
    r.context = m_context->currentIndex() > 0 ? m_context->currentText() : QString();
    r.traits = m_traits;
    r.series = m_series->currentData().toString();
    r.bars = m_style->currentIndex() == 1;
    return r;
}

void ResultsWorkspace::setTraits(const QStringList &traits) {
    m_traits = traits;
    QSignalBlocker block(m_traitsButton->menu());
    for (QAction *a : m_traitsButton->menu()->actions()) {
        QSignalBlocker blockAction(a);
        a->setChecked(traits.isEmpty() || traits.contains(a->text()));
    }
    redraw();
}

void ResultsWorkspace::setBars(bool bars) { m_style->setCurrentIndex(bars ? 1 : 0); }

void ResultsWorkspace::redraw() {
    // The series choice means a curve's series or the elicitation figure's x measure.
    if (const auto kind = charts::ChartKind(std::max(0, m_kind->currentIndex())); kind != m_seriesKind)
        fillSeries(kind, QString());
    const charts::ChartRequest r = request();
    m_series->setVisible(r.kind == charts::ChartKind::Curves ||
                         (r.kind == charts::ChartKind::Elicitation && m_series->count() > 1));
    m_style->setVisible(r.kind == charts::ChartKind::Expression);
    m_traitsButton->setEnabled(r.kind != charts::ChartKind::Curves);
    m_caption->setText(m_data ? charts::figureCaption(*m_data, r) : QString());
    m_export->setEnabled(m_data != nullptr);
    QChart *old = m_view->chart();
    if (!m_data) {
        m_view->setChart(new QChart);
        delete old;
        m_table->clear();
        m_table->setRowCount(0);
        m_table->setColumnCount(0);
        return;
    }
    charts::PaperTheme screen;
    m_view->setChart(charts::buildChart(*m_data, r, screen));
    delete old;  // setChart() leaves the previous chart to its caller
    if (r.kind == charts::ChartKind::Expression)
        for (QAbstractSeries *series : m_view->chart()->series())
            if (auto *means = qobject_cast<QScatterSeries *>(series); means && series->property("role") == "mean") {
                QString condition = series->property("condition").toString();
                connect(means, &QScatterSeries::clicked, this, [this, condition] { showSamples(condition, request().context); });
            }

    charts::NumbersTable numbers = charts::numbersTable(*m_data, r);
    m_table->clear();
    m_table->setColumnCount(int(numbers.header.size()));
    m_table->setHorizontalHeaderLabels(numbers.header);
    m_table->setRowCount(int(numbers.rows.size()));
    for (int row = 0; row < int(numbers.rows.size()); ++row) {
        for (int c = 0; c < int(numbers.rows[row].size()); ++c) {
            const charts::Cell &cell = numbers.rows[row][c];
            auto *item = new QTableWidgetItem(charts::cellText(cell));
            if (const double *v = std::get_if<double>(&cell)) {
                item->setData(Qt::UserRole, *v);  // full precision, for tools and tests
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            }
            m_table->setItem(row, c, item);
        }
    }
}

void ResultsWorkspace::showSamples(const QString &condition, const QString &context) {
    m_samples->showModel(condition, context);
    m_tabs->setCurrentWidget(m_samples);
}

void ResultsWorkspace::exportFigure() {
    if (!m_data) return;
    ExportDialog dialog(m_data, request(), this);
    dialog.exec();
}

bool ResultsWorkspace::exportReportTo(const QString &path, QString *error) {
    if (m_experiment == 0) {
        *error = tr("no experiment is selected");
        return false;
    }
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    const bool ok = report::writeReport(m_storePath, m_experiment, path, error);
    QGuiApplication::restoreOverrideCursor();
    return ok;
}

void ResultsWorkspace::exportReport() {
    if (m_experiment == 0) {
        QMessageBox::information(this, tr("Export Report"), tr("Select an experiment in the navigator first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Report"), m_name + QStringLiteral("-report.html"),
                                                      tr("Report (*.html *.pdf)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportReportTo(path, &error)) QMessageBox::warning(this, tr("Export Report"), error);
}

}  // namespace inoculab::ui
