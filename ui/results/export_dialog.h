#pragma once
// ExportDialog: saves the Results chart as a paper figure (SVG, PDF or PNG at a size in cm
// or inches, PNG at a chosen DPI, serif or sans font) or its numbers as CSV or LaTeX.
#include "charts/chart_data.h"
#include "charts/figure_export.h"

#include <QDialog>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace inoculab::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(std::shared_ptr<const charts::ResultsData> data, charts::ChartRequest request,
                 QWidget *parent = nullptr);

    void setPath(const QString &path);  // also picks the format from the extension
    QString path() const;
    charts::FigureOptions options() const;
    QString lastError() const { return m_error; }
    // Writes the file; on failure shows the reason (file and cause) and stays open.
    void accept() override;

private:
    void updateEnabled();

    std::shared_ptr<const charts::ResultsData> m_data;
    charts::ChartRequest m_request;
    QString m_error;
    QLineEdit *m_path;
    QComboBox *m_format;
    QDoubleSpinBox *m_width;
    QDoubleSpinBox *m_height;
    QComboBox *m_unit;
    QSpinBox *m_dpi;
    QComboBox *m_font;
    QDoubleSpinBox *m_fontSize;
    QCheckBox *m_background;
    QLabel *m_status;
};

}  // namespace inoculab::ui
