#pragma once
// Help > About: this build (version, the libtorch it was built against) and what training
// runs on here, the report of `inoculab-cli system info`: libtorch and where it was loaded
// from, CUDA and why it is not used, every GPU, BLAS, threads.
#include <QDialog>

class QPlainTextEdit;

namespace inoculab::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget *parent = nullptr);
    QString reportText() const;

private:
    void showReport();
    QPlainTextEdit *m_report;
};

}  // namespace inoculab::ui
