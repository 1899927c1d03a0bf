#include "stored_run_view.h"

#include "job_runner.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>

namespace inoculab::ui {

namespace {

QString tr(const char *text, int n = -1) { return QCoreApplication::translate("StoredRun", text, nullptr, n); }

// The store's UTC timestamps ("2026-12-04T06:45:06.123Z"), to the second.
QString timeOf(const std::optional<std::string> &stamp) {
    if (!stamp) return {};
    const QDateTime t = QDateTime::fromString(QString::fromStdString(*stamp), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString::fromStdString(*stamp);
}

}  // namespace

QString storedRunSummary(const store::RunRecord &run, const store::RunHistory &history) {
    std::string_view status = store::runStatusName(run.status);
    QString text = QString::fromStdString(run.condition) + QStringLiteral("/seed") + QString::number(run.seed) +
                   QStringLiteral(": ") + QString::fromLatin1(status.data(), qsizetype(status.size()));
    if (run.device) text += tr(" on %1").arg(QString::fromStdString(*run.device));
    QStringList training;
    if (history.lastLoss)
        training << tr("step %1, train loss %2").arg(history.lastLoss->first).arg(history.lastLoss->second, 0, 'f', 4);
    if (history.tokensPerSecond) training << tr("%1 tokens/s").arg(*history.tokensPerSecond, 0, 'f', 0);
    if (!training.isEmpty()) text += QStringLiteral("; ") + training.join(QStringLiteral(", "));
    if (history.seconds)
        text += tr("; took %1 (%2 to %3 UTC)")
                    .arg(formatSeconds(*history.seconds), timeOf(run.startedAt), timeOf(run.finishedAt));
    else if (run.startedAt)
        text += tr("; started %1 UTC").arg(timeOf(run.startedAt));
    if (history.evaluatedSteps > 0) text += tr("; %n evaluated step(s)", int(history.evaluatedSteps));
    if (run.error && !run.error->empty()) text += QStringLiteral("\n") + QString::fromStdString(*run.error);
    return text;
}

}  // namespace inoculab::ui
