#pragma once
// Screenshots the GUI suites take of what they drive: always to <build>/screenshots, and to
// $INOCULAB_SCREENSHOTS_DIR when set (`make screenshots` points it at docs/screenshots).
#include <QDir>
#include <QString>
#include <QTest>
#include <QWidget>

namespace inoculab::test {

inline void saveScreenshot(QWidget *widget, const QString &name) {
    QStringList dirs{QStringLiteral(INOCULAB_BINARY_DIR "/screenshots")};
    QString extra = qEnvironmentVariable("INOCULAB_SCREENSHOTS_DIR");
    if (!extra.isEmpty()) dirs << extra;
    QPixmap shot = widget->grab();
    for (const QString &dir : dirs) {
        QDir().mkpath(dir);
        QVERIFY2(shot.save(dir + "/" + name), qPrintable(dir + "/" + name));
    }
}

}  // namespace inoculab::test
