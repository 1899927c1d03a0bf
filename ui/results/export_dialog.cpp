#include "export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace inoculab::ui {

namespace {
const char *kSuffixes[] = {"svg", "pdf", "png", "csv", "tex"};
}

ExportDialog::ExportDialog(std::shared_ptr<const charts::ResultsData> data, charts::ChartRequest request,
                           QWidget *parent)
    : QDialog(parent),
      m_data(std::move(data)),
      m_request(std::move(request)),
      m_path(new QLineEdit(this)),
      m_format(new QComboBox(this)),
      m_width(new QDoubleSpinBox(this)),
      m_height(new QDoubleSpinBox(this)),
      m_unit(new QComboBox(this)),
      m_dpi(new QSpinBox(this)),
      m_font(new QComboBox(this)),
      m_fontSize(new QDoubleSpinBox(this)),
      m_background(new QCheckBox(tr("White background (off: none, for papers)"), this)),
      m_status(new QLabel(this)) {
    setWindowTitle(tr("Export Figure"));
    m_format->addItems({tr("SVG (vector)"), tr("PDF (vector)"), tr("PNG (image)"), tr("CSV (the numbers)"),
                        tr("LaTeX table (the numbers)")});
    m_unit->addItems({tr("cm"), tr("in")});
    for (QDoubleSpinBox *box : {m_width, m_height}) {
        box->setRange(2, 100);
        box->setDecimals(1);
        box->setSingleStep(0.5);
    }
    m_width->setValue(12);  // about a column of a two-column paper, with the legend below
    m_height->setValue(8);
    m_dpi->setRange(30, 1200);
    m_dpi->setValue(300);
    m_dpi->setSuffix(tr(" dpi"));
    m_font->addItems({tr("Sans serif"), tr("Serif")});
    m_fontSize->setRange(5, 24);
    m_fontSize->setDecimals(1);
    m_fontSize->setValue(9);
    m_fontSize->setSuffix(tr(" pt"));
    m_status->setWordWrap(true);
    m_status->setStyleSheet(QStringLiteral("color: #B00020"));

    QSettings settings;
    QString dir = settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
    QString base = m_data ? m_data->experimentName : QStringLiteral("figure");
    m_path->setText(QDir(dir).filePath(base + "-" + charts::chartKindName(m_request.kind) + ".svg"));

    auto *browse = new QPushButton(tr("Browse…"), this);
    auto *file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(browse);
    auto *sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(m_unit);
    auto *fontRow = new QHBoxLayout;
    fontRow->addWidget(m_font);
    fontRow->addWidget(m_fontSize);
    auto *form = new QFormLayout;
    form->addRow(tr("File"), file);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Size"), sizeRow);
    form->addRow(tr("Resolution"), m_dpi);
    form->addRow(tr("Font"), fontRow);
    form->addRow(QString(), m_background);
    auto *palette = new QLabel(tr("Colours: Okabe–Ito palette, safe for colour-blind readers."), this);
    palette->setEnabled(false);
    form->addRow(QString(), palette);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        QString chosen =
            QFileDialog::getSaveFileName(this, tr("Export Figure"), m_path->text(),
                                         tr("SVG (*.svg);;PDF (*.pdf);;PNG (*.png);;CSV (*.csv);;LaTeX (*.tex)"));
        if (!chosen.isEmpty()) setPath(chosen);
    });
    connect(m_format, &QComboBox::currentIndexChanged, this, [this](int index) {
        // The extension follows the format, so what is written is what the name says.
        QFileInfo info(m_path->text());
        QString name = info.completeBaseName().isEmpty() ? QStringLiteral("figure") : info.completeBaseName();
        m_path->setText(QDir(info.path()).filePath(name + "." + QLatin1String(kSuffixes[index])));
        updateEnabled();
    });
    connect(m_path, &QLineEdit::editingFinished, this, [this] { setPath(m_path->text()); });
    updateEnabled();
}

void ExportDialog::setPath(const QString &path) {
    m_path->setText(path);
    if (std::optional<charts::FigureFormat> format = charts::formatForPath(path)) {
        QSignalBlocker block(m_format);
        m_format->setCurrentIndex(int(*format));
    }
    updateEnabled();
}

QString ExportDialog::path() const { return m_path->text(); }

charts::FigureOptions ExportDialog::options() const {
    charts::FigureOptions o;
    const double pointsPerUnit = m_unit->currentIndex() == 0 ? 72.0 / 2.54 : 72.0;
    o.size = QSizeF(m_width->value() * pointsPerUnit, m_height->value() * pointsPerUnit);
    o.dpi = m_dpi->value();
    o.theme.paper = true;
    o.theme.serif = m_font->currentIndex() == 1;
    o.theme.fontPoints = m_fontSize->value();
    o.theme.background = m_background->isChecked();
    return o;
}

void ExportDialog::updateEnabled() {
    const int format = m_format->currentIndex();
    const bool figure = format <= int(charts::FigureFormat::Png);
    for (QWidget *w : std::initializer_list<QWidget *>{m_width, m_height, m_unit, m_font, m_fontSize, m_background})
        w->setEnabled(figure);
    m_dpi->setEnabled(format == int(charts::FigureFormat::Png));
}

void ExportDialog::accept() {
    m_error.clear();
    if (!m_data)
        m_error = tr("No results loaded.");
    else
        charts::exportFigure(*m_data, m_request, options(), path(), &m_error);
    if (!m_error.isEmpty()) {
        m_status->setText(m_error);
        return;
    }
    QSettings().setValue(QStringLiteral("export/dir"), QFileInfo(path()).absolutePath());
    QDialog::accept();
}

}  // namespace inoculab::ui
