#include "report_html.h"

#include "charts/figure_caption.h"
#include "charts/figure_export.h"

#include <nlohmann/json.hpp>

#include <QJsonDocument>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace inoculab::ui::report {

namespace {

QString qs(const std::string &s) { return QString::fromStdString(s); }
QString esc(const QString &s) { return s.toHtmlEscaped(); }
QString esc(const std::string &s) { return qs(s).toHtmlEscaped(); }

// A number shown with 3 decimals; the cell keeps it at full precision for whoever reads the
// file with a program (tests compare these with the store).
QString numberCell(double v) {
    if (std::isnan(v)) return QStringLiteral("<td class=\"n\" data-value=\"nan\"></td>");
    return QStringLiteral("<td class=\"n\" data-value=\"%1\">%2</td>").arg(QString::number(v, 'g', 17), QString::number(v, 'f', 3));
}

QString intervalText(const stats::Interval &i) {
    if (std::isnan(i.mean)) return QStringLiteral("–");
    if (std::isnan(i.low) || std::isnan(i.high)) return QString::number(i.mean, 'f', 3);
    return QStringLiteral("%1 [%2, %3]").arg(i.mean, 0, 'f', 3).arg(i.low, 0, 'f', 3).arg(i.high, 0, 'f', 3);
}

QString tableHtml(const charts::NumbersTable &table, const QString &id) {
    QString out = QStringLiteral("<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" id=\"%1\">\n<tr>").arg(id);
    for (const QString &h : table.header) out += "<th>" + esc(h) + "</th>";
    out += "</tr>\n";
    for (const auto &row : table.rows) {
        out += "<tr>";
        for (const charts::Cell &cell : row) {
            if (const double *v = std::get_if<double>(&cell))
                out += numberCell(*v);
            else
                out += "<td>" + esc(std::get<QString>(cell)) + "</td>";
        }
        out += "</tr>\n";
    }
    return out + "</table>\n";
}

// A figure's SVG inside the HTML: without the XML prolog, scaled to the page's width.
QString inlineSvg(const QByteArray &svg) {
    QString text = QString::fromUtf8(svg);
    const qsizetype start = text.indexOf(QStringLiteral("<svg"));
    if (start > 0) text = text.mid(start);
    return text;
}

QString elicitationChecksHtml(const ReportData &r) {
    if (r.checks.empty())
        return QStringLiteral(
            "<p>No elicitation check is stored for this experiment "
            "(<code>inoculab-cli experiment elicit SPEC --store STORE</code>, or the Prompts workspace).</p>\n");
    QString out = QStringLiteral(
        "<p>Before training, on the base model alone: the mean loss per answer token of the training answers "
        "without and with each prompt, and per row the change of the answer's per-token log-probability "
        "(PH, with a t interval over rows), the share of rows it raises (Wilson interval) and the spread of "
        "the change (bootstrap interval). Prompts no condition trains are candidates, checked only.</p>\n"
        "<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" id=\"elicitation-checks\">\n<tr><th>Prompt</th>"
        "<th>Trained by</th><th>Rows</th><th>Loss without</th><th>Loss with</th><th>Loss drop</th>"
        "<th>PH (nats/token)</th><th>Share raised</th><th>Spread</th><th>Traits: rate without → with</th>"
        "<th>Checked</th></tr>\n");
    for (const store::ElicitationCheck &c : r.checks) {
        QStringList trainedBy;
        for (const auto &[condition, prompt] : r.conditionPrompts)
            if (prompt == c.prompt) trainedBy << qs(condition);
        QStringList traits;
        const nlohmann::json t = nlohmann::json::parse(c.traitsJson, nullptr, false);
        if (t.is_array())
            for (const nlohmann::json &e : t) {
                if (!e.is_object()) continue;
                auto interval = [&](const char *key) {
                    const nlohmann::json &v = e.contains(key) ? e[key] : nlohmann::json();
                    auto num = [&](const char *k) {
                        return v.is_object() && v.contains(k) && v[k].is_number() ? v[k].get<double>() : std::nan("");
                    };
                    return stats::Interval{num("mean"), num("low"), num("high"), 0};
                };
                traits << QStringLiteral("%1: %2 → %3 (elicitation %4)")
                              .arg(esc(e.value("trait", std::string())), intervalText(interval("without")),
                                   intervalText(interval("with")), intervalText(interval("elicitation")));
            }
        out += "<tr><td>" + esc(c.prompt) + "</td><td>" +
               (trainedBy.isEmpty() ? QStringLiteral("<i>candidate</i>") : esc(trainedBy.join(QStringLiteral(", ")))) +
               "</td><td>" + QString::number(c.rows) + "</td>" + numberCell(c.lossWithout) + numberCell(c.lossWith) +
               numberCell(c.drop()) + "<td>" + intervalText(c.meanChange) + "</td><td>" +
               intervalText(c.sharePositive) + "</td><td>" + intervalText(c.spread) + "</td><td>" +
               traits.join(QStringLiteral("<br>")) + "</td><td>" + esc(c.checkedAt) + "</td></tr>\n";
    }
    return out + "</table>\n";
}

QString runsHtml(const ReportData &r) {
    std::map<std::int64_t, const store::StoredRunProvenance *> provenance;
    for (const auto &p : r.provenance) provenance[p.runId] = &p;
    int done = 0;
    for (const store::RunRecord &run : r.runs) done += run.status == store::RunStatus::Done;
    QString out = QStringLiteral(
                      "<p>%1 of %2 runs finished. Only finished runs enter the figures and tables; the others "
                      "are listed here as excluded, with their error.</p>\n")
                      .arg(done)
                      .arg(r.runs.size());
    out += QStringLiteral(
        "<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" id=\"runs\">\n<tr><th>Condition</th><th>Seed</th>"
        "<th>Status</th><th>In figures</th><th>Device</th><th>Started</th><th>Finished</th>"
        "<th>Base model weights</th><th>Inoculab</th><th>libtorch</th><th>Host</th><th>Error</th></tr>\n");
    for (const store::RunRecord &run : r.runs) {
        const auto it = provenance.find(run.id);
        const store::RunProvenance *p = it == provenance.end() ? nullptr : &it->second->provenance;
        auto cell = [](const std::optional<std::string> &v) { return "<td>" + esc(v.value_or(std::string())) + "</td>"; };
        // "2", or "base 1 seed 2" when the experiment's runs are on several base models
        const QString model = run.baseSeed ? qs(store::runLabel(run.baseSeed, run.seed)) : QString::number(run.seed);
        out += "<tr><td>" + esc(run.condition) + "</td><td>" + model + "</td><td>" +
               qs(std::string(store::runStatusName(run.status))) + "</td><td>" +
               (run.status == store::RunStatus::Done ? QStringLiteral("yes") : QStringLiteral("<b>excluded</b>")) +
               "</td>" + cell(run.device) + cell(run.startedAt) + cell(run.finishedAt) + "<td><code>" +
               (p ? esc(p->baseModelSha256.substr(0, 16)) : QString()) + "</code></td><td>" +
               (p ? esc(p->inoculabVersion) : QString()) + "</td><td>" + (p ? esc(p->torchVersion) : QString()) +
               "</td><td>" + (p ? esc(p->host) : QString()) + "</td>" + cell(run.error) + "</tr>\n";
    }
    return out + "</table>\n";
}

QString provenanceHtml(const ReportData &r) {
    QString out;
    out += "<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" id=\"provenance\">\n";
    auto row = [&](const QString &key, const QString &valueHtml) {
        out += "<tr><th align=\"left\">" + esc(key) + "</th><td>" + valueHtml + "</td></tr>\n";
    };
    row(QStringLiteral("Experiment"), esc(r.experiment.name));
    row(QStringLiteral("Spec hash (SHA-256 of the canonical spec)"), "<code>" + esc(r.experiment.specHash) + "</code>");
    row(QStringLiteral("Registered in the store"), esc(r.experiment.createdAt));
    row(QStringLiteral("Store"), esc(r.storePath));
    // Base models: each distinct identity and hash, with the runs that used it.
    std::map<std::pair<std::string, std::string>, int> bases;
    std::set<std::string> versions, torches, hosts, devices;
    for (const auto &p : r.provenance) {
        ++bases[{p.provenance.baseModel, p.provenance.baseModelSha256}];
        versions.insert(p.provenance.inoculabVersion);
        torches.insert(p.provenance.torchVersion);
        hosts.insert(p.provenance.host);
    }
    for (const store::RunRecord &run : r.runs)
        if (run.device) devices.insert(*run.device);
    QStringList baseLines;
    for (const auto &[key, runs] : bases)
        baseLines << QStringLiteral("%1<br><code>sha256 %2</code> (%3 run(s))").arg(esc(key.first), esc(key.second)).arg(runs);
    row(QStringLiteral("Base model (content hash of its weight files)"),
        baseLines.isEmpty() ? QStringLiteral("not recorded (runs trained before Inoculab kept provenance)")
                            : baseLines.join(QStringLiteral("<br>")));
    auto joined = [](const std::set<std::string> &values) {
        QStringList out;
        for (const std::string &v : values) out << esc(v);
        return out.isEmpty() ? QStringLiteral("not recorded") : out.join(QStringLiteral(", "));
    };
    row(QStringLiteral("Inoculab (training)"), joined(versions));
    row(QStringLiteral("libtorch (training)"), joined(torches));
    row(QStringLiteral("Hosts"), joined(hosts));
    row(QStringLiteral("Devices"), joined(devices));
    QString first, last;
    for (const store::RunRecord &run : r.runs) {
        if (run.startedAt && (first.isEmpty() || qs(*run.startedAt) < first)) first = qs(*run.startedAt);
        if (run.finishedAt && qs(*run.finishedAt) > last) last = qs(*run.finishedAt);
    }
    row(QStringLiteral("Training dates"), first.isEmpty() ? QStringLiteral("none") : esc(first + " to " + last));
    row(QStringLiteral("Report written"), esc(r.generatedAt + " by Inoculab " + r.generatorVersion));
    out += "</table>\n";
    if (r.baseModelChange)
        out += "<p class=\"warning\" id=\"base-model-change\"><b>Warning:</b> " + esc(r.baseModelChange->message()) +
               ".</p>\n";

    out += "<h3>Datasets</h3>\n";
    if (r.datasets.empty()) {
        out += "<p>The store links no dataset file to the conditions (the toy world generates its training rows).</p>\n";
    } else {
        out += "<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" id=\"datasets\">\n<tr><th>Condition</th>"
               "<th>File</th><th>SHA-256</th><th>Rows</th></tr>\n";
        for (const auto &d : r.datasets)
            out += "<tr><td>" + esc(d.condition) + "</td><td>" + esc(d.path) + "</td><td><code>" + esc(d.sha256) +
                   "</code></td><td>" + QString::number(d.rows) + "</td></tr>\n";
        out += "</table>\n";
    }
    const QJsonDocument spec = QJsonDocument::fromJson(QByteArray::fromStdString(r.experiment.specJson));
    out += "<h3>Spec</h3>\n<pre id=\"spec\">" +
           esc(spec.isNull() ? qs(r.experiment.specJson) : QString::fromUtf8(spec.toJson(QJsonDocument::Indented))) +
           "</pre>\n";
    return out;
}

// A curve's numbers at no more than kCurveSteps steps, evenly spread from the first to the last
// (a training metric has one per step): the report stays readable; the figure's own CSV export
// keeps every step.
constexpr std::size_t kCurveSteps = 11;
charts::NumbersTable thinnedCurveTable(charts::NumbersTable table, QString *note) {
    std::vector<QString> steps;  // ascending, as the rows list them per condition
    for (const auto &row : table.rows) {
        const QString step = std::get<QString>(row[1]);
        if (std::find(steps.begin(), steps.end(), step) == steps.end()) steps.push_back(step);
    }
    std::sort(steps.begin(), steps.end(), [](const QString &a, const QString &b) { return a.toLongLong() < b.toLongLong(); });
    if (steps.size() <= kCurveSteps) return table;
    std::set<QString> kept;
    for (std::size_t i = 0; i < kCurveSteps; ++i) kept.insert(steps[i * (steps.size() - 1) / (kCurveSteps - 1)]);
    std::erase_if(table.rows, [&](const auto &row) { return !kept.contains(std::get<QString>(row[1])); });
    *note = QObject::tr("Numbers at %1 of the %2 steps drawn, evenly spread; the figure's CSV export has every step.")
                .arg(kCurveSteps)
                .arg(steps.size());
    return table;
}

}  // namespace

std::vector<ReportFigure> reportFigures(const charts::ResultsData &data) {
    std::vector<ReportFigure> out;
    auto request = [](charts::ChartKind kind) {
        charts::ChartRequest r;
        r.kind = kind;
        return r;
    };
    out.push_back({QObject::tr("Trait expression by condition and context"), request(charts::ChartKind::Expression)});
    std::vector<QString> contexts;
    for (const std::string &c : data.contents.contexts) contexts.push_back(qs(c));
    if (data.contents.traits.size() >= 2)
        for (const QString &c : contexts) {
            charts::ChartRequest r = request(charts::ChartKind::Scatter);
            r.context = c;
            out.push_back({QObject::tr("Two traits against each other, context %1").arg(c), r});
        }
    if (!contexts.empty())
        for (const std::string &t : data.contents.traits) {
            auto it = data.elicitation.find(qs(t) + "@" + contexts.front());
            if (it == data.elicitation.end() || it->second.empty()) continue;
            charts::ChartRequest r = request(charts::ChartKind::Elicitation);
            r.context = contexts.front();
            r.traits = {qs(t)};
            out.push_back({QObject::tr("Elicitation against suppression: %1, context %2").arg(qs(t), contexts.front()), r});
            if (data.checks.empty()) continue;
            // The same against the check's PH, with the candidate prompts that were never trained.
            r.series = QStringLiteral("check:ph");
            out.push_back({QObject::tr("Elicitation check (PH) against suppression: %1, context %2").arg(qs(t), contexts.front()), r});
        }
    for (const QString &series : charts::curveSeries(data)) {
        if (series.startsWith(QLatin1String("metric:")) && series != QLatin1String("metric:train_loss")) continue;
        charts::ChartRequest r = request(charts::ChartKind::Curves);
        r.series = series;
        if (!contexts.empty()) r.context = contexts.front();
        if (charts::curvesFor(data, r).empty()) continue;
        out.push_back({QObject::tr("Over training: %1").arg(charts::seriesLabel(series)), r});
    }
    return out;
}

QString figurePlaceholder(std::size_t index) { return QStringLiteral("[[inoculab-figure-%1]]").arg(index); }

QString reportHtml(const ReportData &r, FigureMode mode) {
    const QString title = QObject::tr("Inoculab report: %1").arg(qs(r.experiment.name));
    // Browsers get a page of readable width; Qt's rich text (the PDF) the landscape A4 text width,
    // tables in a smaller type with numbers kept on one line.
    const QString style =
        mode == FigureMode::InlineSvg
            ? QStringLiteral(
                  "body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }\n"
                  "table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 90%; }\n"
                  "th, td { border: 1px solid #999; padding: 2px 6px; vertical-align: top; }\n"
                  "td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
                  "figure { margin: 1em 0; } figure svg { width: 100%; height: auto; }\n"
                  "figcaption { font-size: 90%; color: #333; }\n"
                  ".warning { color: #a00; } pre { font-size: 80%; background: #f6f6f6; padding: 0.5em; "
                  "white-space: pre-wrap; }\n")
            : QStringLiteral("body { font-family: sans-serif; } td, th { font-size: 7pt; } td.n { white-space: nowrap; } "
                             "td.n { text-align: right; } .warning { color: #a00; } pre { font-size: 7pt; }\n");
    QString out = QStringLiteral(
                      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%1</title>\n"
                      "<style>\n%2</style>\n</head>\n<body>\n<h1>%1</h1>\n")
                      .arg(esc(title), style);
    out += QStringLiteral("<p>Spec hash <code>%1</code>. Written %2 by Inoculab %3 from <code>%4</code>.</p>\n")
               .arg(esc(r.experiment.specHash), esc(r.generatedAt), esc(r.generatorVersion), esc(r.storePath));
    if (r.baseModelChange)
        out += "<p class=\"warning\"><b>Warning:</b> " + esc(r.baseModelChange->message()) + ".</p>\n";

    out += "<h2>Summary</h2>\n<p>" +
           esc(charts::figureCaption(r.results, charts::ChartRequest{})) + "</p>\n" +
           tableHtml(charts::numbersTable(r.results, charts::ChartRequest{}), QStringLiteral("summary"));

    out += "<h2>Figures</h2>\n";
    charts::FigureOptions options;
    options.size = QSizeF(kFigureWidth, kFigureHeight);
    options.theme.fontPoints = 11;
    const std::vector<ReportFigure> figures = reportFigures(r.results);
    for (std::size_t i = 0; i < figures.size(); ++i) {
        const ReportFigure &f = figures[i];
        out += QStringLiteral("<h3>Figure %1. %2</h3>\n<figure id=\"figure-%1\">\n").arg(i + 1).arg(esc(f.title));
        if (mode == FigureMode::InlineSvg)
            out += inlineSvg(charts::figureSvg(r.results, f.request, options));
        else
            out += "<p>" + figurePlaceholder(i) + "</p>";
        out += "\n<figcaption>" + esc(charts::figureCaption(r.results, f.request)) + "</figcaption>\n</figure>\n";
        if (f.request.kind == charts::ChartKind::Expression && f.request.context.isEmpty()) {
            out += "<p>" + QObject::tr("Its numbers are the Summary's.") + "</p>\n";
            continue;
        }
        charts::NumbersTable numbers = charts::numbersTable(r.results, f.request);
        if (f.request.kind == charts::ChartKind::Curves) {
            QString note;
            numbers = thinnedCurveTable(std::move(numbers), &note);
            if (!note.isEmpty()) out += "<p>" + esc(note) + "</p>\n";
        }
        out += tableHtml(numbers, QStringLiteral("figure-%1-numbers").arg(i + 1));
    }

    out += "<h2>Elicitation check</h2>\n" + elicitationChecksHtml(r);
    out += "<h2>Runs</h2>\n" + runsHtml(r);
    out += "<h2>Provenance</h2>\n" + provenanceHtml(r);
    return out + "</body>\n</html>\n";
}

}  // namespace inoculab::ui::report
