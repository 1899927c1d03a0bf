#pragma once
// ResultsWorkspace: charts of a finished experiment beside the numbers behind them: trait
// expression per condition with 95% intervals across seeds, curves over training steps, and
// elicitation against suppression. The store is read in the background; every chart is
// drawn from that snapshot, and can be exported for a paper.
#include "charts/chart_data.h"
#include "charts/combined_data.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QWidget>

#include <memory>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QToolButton;

namespace inoculab::ui {

class SamplesView;

class ResultsWorkspace : public QWidget {
    Q_OBJECT
public:
    explicit ResultsWorkspace(QWidget *parent = nullptr);
    ~ResultsWorkspace() override;

    void setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name);
    void refresh();
    // A note shown above everything (the first-run guide's).
    void addBanner(QWidget *banner);
    // With no experiment shown: whether there is one to select (else the title says nothing,
    // and the first-run banner says what to do).
    void setStoreHasExperiments(bool any);
    QTableWidget *table() const { return m_table; }         // the numbers behind the chart
    QComboBox *contextChoice() const { return m_context; }  // index 0: every context
    QComboBox *kindChoice() const { return m_kind; }        // in ChartKind order
    QComboBox *seriesChoice() const { return m_series; }    // curves: what to draw
    QChartView *chartView() const { return m_view; }
    QLabel *caption() const { return m_caption; }  // the figure's caption, as exports write it
    // What the models answered (the Samples tab); a click on a condition's dot, or a double
    // click on a row of the numbers, opens that model's answers there.
    SamplesView *samples() const { return m_samples; }
    QTabWidget *tabs() const { return m_tabs; }
    void showSamples(const QString &condition, const QString &context);
    QChart *chart() const;
    bool isLoading() const { return m_watcher.isRunning(); }

    // What the chart and table show now; traits left empty mean every trait.
    charts::ChartRequest request() const;
    void setTraits(const QStringList &traits);
    void setBars(bool bars);
    // The data the chart was drawn from (null before the first load).
    std::shared_ptr<const charts::ResultsData> data() const { return m_data; }
    // Opens the export dialog for the current chart.
    void exportFigure();
    // File > Export Report: asks for a .html or .pdf file, then writes the experiment's report
    // (ui/report). exportReportTo writes it without asking; false with `error` on failure.
    void exportReport();
    bool exportReportTo(const QString &path, QString *error);
    bool hasExperiment() const { return m_experiment != 0; }
    // Experiments side by side: these experiments' conditions drawn beside the selected one's
    // (charts/combined_data.h). The Compare button's menu sets them; cleared with a new experiment.
    void setCompared(const std::vector<charts::ExperimentRef> &others);
    const std::vector<charts::ExperimentRef> &compared() const { return m_compare; }
    QToolButton *compareButton() const { return m_compareButton; }

Q_SIGNALS:
    void loaded();

private:
    struct Loaded {
        std::shared_ptr<const charts::ResultsData> data;  // combined when comparing
        store::ExperimentContents primary;               // the selected experiment's own (Samples)
        QString error;
    };
    void fillCompareMenu();
    void rebuildChoices();
    // The series choice for this kind of chart, keeping `keep` when it is one of them.
    void fillSeries(charts::ChartKind kind, const QString &keep);
    void redraw();

    QString m_storePath;
    std::vector<charts::ExperimentRef> m_compare;
    QToolButton *m_compareButton;
    charts::ChartKind m_seriesKind = charts::ChartKind::Expression;  // what m_series lists
    std::int64_t m_experiment = 0;
    QString m_name;
    std::shared_ptr<const charts::ResultsData> m_data;
    // Its own pool, not Qt's global one: the raster paint engine waits on that one for large
    // fills, so a load there would stall repaints (see dataset/background_job.h).
    QThreadPool m_pool;
    QFutureWatcher<std::shared_ptr<Loaded>> m_watcher;
    bool m_again = false;
    QStringList m_traits;  // chosen traits; empty: all
    QLabel *m_title;
    QComboBox *m_kind;
    QComboBox *m_context;
    QComboBox *m_series;
    QComboBox *m_style;
    QToolButton *m_traitsButton;
    QPushButton *m_export;
    QChartView *m_view;
    QLabel *m_caption;
    QTableWidget *m_table;
    QTabWidget *m_tabs;
    SamplesView *m_samples;
};

}  // namespace inoculab::ui
