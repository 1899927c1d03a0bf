#include "about_dialog.h"

#include "system_info.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace inoculab::ui {

AboutDialog::AboutDialog(QWidget *parent) : QDialog(parent), m_report(new QPlainTextEdit(this)) {
    setWindowTitle(tr("About Inoculab"));
    auto *title = new QLabel(tr("<b>Inoculab</b> %1<br>A research workbench for inoculation prompting.")
                                 .arg(QApplication::applicationVersion().toHtmlEscaped()),
                             this);
    title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_report->setReadOnly(true);
    m_report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_report->setPlaceholderText(tr("Asking the worker what training runs on here…"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(new QLabel(tr("What training runs on here (<tt>inoculab-cli system info</tt>):"), this));
    layout->addWidget(m_report, 1);
    layout->addWidget(buttons);
    resize(760, 520);
    SystemInfo *info = SystemInfo::instance();
    if (info->isReady()) showReport();
    connect(info, &SystemInfo::ready, this, &AboutDialog::showReport);
}

QString AboutDialog::reportText() const { return m_report->toPlainText(); }

void AboutDialog::showReport() { m_report->setPlainText(SystemInfo::instance()->text()); }

}  // namespace inoculab::ui
