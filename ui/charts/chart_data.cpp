#include "chart_data.h"

#include "elicitation_relation.h"
#include "two_trait_points.h"

#include "common/input_error.h"
#include "store/results_store.h"

#include <algorithm>
#include <cmath>

namespace inoculab::ui::charts {

namespace {

QString qs(const std::string &s) { return QString::fromStdString(s); }

constexpr const char *kKindNames[] = {"expression", "curves", "elicitation", "scatter"};

}  // namespace

QString chartKindName(ChartKind kind) { return QString::fromLatin1(kKindNames[int(kind)]); }

std::optional<ChartKind> parseChartKind(const QString &name) {
    for (int i = 0; i < int(std::size(kKindNames)); ++i)
        if (name == QLatin1String(kKindNames[i])) return ChartKind(i);
    return std::nullopt;
}

std::vector<QString> ResultsData::conditionsBaselineFirst() const {
    std::vector<QString> out;
    for (const auto &c : contents.conditions)
        if (c.baseline) out.push_back(qs(c.name));
    for (const auto &c : contents.conditions)
        if (!c.baseline) out.push_back(qs(c.name));
    return out;
}

std::optional<QString> ResultsData::baseline() const {
    for (const auto &c : contents.conditions)
        if (c.baseline) return qs(c.name);
    return std::nullopt;
}

std::optional<QString> ResultsData::baselineFor(const QString &condition) const {
    auto group = [this](const QString &name) {
        auto it = groupOf.find(name);
        return it == groupOf.end() ? QString() : it->second;
    };
    for (const auto &c : contents.conditions)
        if (c.baseline && group(qs(c.name)) == group(condition)) return qs(c.name);
    return std::nullopt;
}

ResultsData loadResultsData(const QString &storePath, std::int64_t experimentId) {
    store::ResultsStore s = store::ResultsStore::open(storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
    ResultsData data;
    for (const auto &e : s.experiments())
        if (e.id == experimentId) data.experimentName = qs(e.name);
    data.contents = store::experimentContents(s, experimentId);
    data.summary = store::traitSummary(s, experimentId);
    for (const std::string &m : data.contents.metrics)
        data.curves[QStringLiteral("metric:") + qs(m)] = store::metricCurves(s, experimentId, m);
    for (const std::string &p : data.contents.probes)
        data.curves[QStringLiteral("probe:") + qs(p)] = store::probeCurves(s, experimentId, p);
    for (const std::string &t : data.contents.traits) {
        for (const std::string &c : data.contents.contexts) {
            QString key = qs(t) + "@" + qs(c);
            data.curves[QStringLiteral("trait:") + key] = store::traitCurves(s, experimentId, t, c);
            data.elicitation[key] = store::elicitationPairs(s, experimentId, t, c);
        }
    }
    data.checks = store::elicitationChecks(s, experimentId);
    return data;
}

std::optional<std::int64_t> findExperimentId(const QString &storePath, const QString &nameOrHash, QStringList *known) {
    store::ResultsStore s = store::ResultsStore::open(storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
    if (auto found = s.findExperiment(nameOrHash.toStdString())) return found->id;
    if (known)
        for (const auto &e : s.experiments()) known->append(qs(e.name));
    return std::nullopt;
}

QString effectiveContext(const ResultsData &data, const ChartRequest &request) {
    if (!request.context.isEmpty()) return request.context;
    if (request.kind == ChartKind::Expression || data.contents.contexts.empty()) return {};
    return qs(data.contents.contexts.front());
}

QStringList effectiveTraits(const ResultsData &data, const ChartRequest &request) {
    QStringList out;
    for (const std::string &t : data.contents.traits)
        if (request.traits.isEmpty() || request.traits.contains(qs(t))) out << qs(t);
    return out;
}

QStringList curveSeries(const ResultsData &data) {
    QStringList out;
    for (const std::string &m : data.contents.metrics) out << QStringLiteral("metric:") + qs(m);
    for (const std::string &p : data.contents.probes) out << QStringLiteral("probe:") + qs(p);
    for (const std::string &t : data.contents.traits) out << QStringLiteral("trait:") + qs(t);
    return out;
}

QString effectiveSeries(const ResultsData &data, const ChartRequest &request) {
    QStringList all = curveSeries(data);
    if (all.contains(request.series)) return request.series;
    if (all.contains(QStringLiteral("metric:train_loss"))) return QStringLiteral("metric:train_loss");
    return all.isEmpty() ? QString() : all.first();
}

QString seriesLabel(const QString &series) {
    QString name = series.section(':', 1);
    if (series.startsWith(QLatin1String("probe:"))) return QStringLiteral("Log-probability of probe \"%1\"").arg(name);
    if (series.startsWith(QLatin1String("trait:"))) return QStringLiteral("Probability of %1").arg(name);
    return name;
}

std::vector<store::Curve> curvesFor(const ResultsData &data, const ChartRequest &request) {
    QString series = effectiveSeries(data, request);
    QString key = series;
    if (series.startsWith(QLatin1String("trait:"))) key += "@" + effectiveContext(data, request);
    auto it = data.curves.find(key);
    if (it == data.curves.end()) return {};
    // Baseline first, as in every chart.
    std::vector<store::Curve> out;
    for (const QString &c : data.conditionsBaselineFirst())
        for (const store::Curve &curve : it->second)
            if (qs(curve.condition) == c) out.push_back(curve);
    return out;
}

std::vector<store::TraitSummaryRow> expressionRows(const ResultsData &data, const ChartRequest &request) {
    QString context = effectiveContext(data, request);
    QStringList traits = effectiveTraits(data, request);
    std::vector<store::TraitSummaryRow> out;
    for (const auto &r : data.summary)
        if ((context.isEmpty() || qs(r.context) == context) && traits.contains(qs(r.trait))) out.push_back(r);
    return out;
}

NumbersTable numbersTable(const ResultsData &data, const ChartRequest &request) {
    NumbersTable t;
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (request.kind == ChartKind::Expression) {
        t.header = {"Condition", "Context", "Trait", "Mean", "CI low", "CI high", "Method", "Seeds", "Per seed"};
        for (const auto &r : expressionRows(data, request)) {
            QStringList perSeed;
            for (std::size_t i = 0; i < r.perSeed.size(); ++i)
                perSeed << QStringLiteral("%1: %2")
                               .arg(r.baseModels > 1 ? qs(store::runLabel(r.baseSeeds[i], r.seeds[i]))
                                                     : QString::number(r.seeds[i]))
                               .arg(r.perSeed[i], 0, 'f', 3);
            std::string_view method = stats::intervalMethodName(r.method);
            t.rows.push_back({qs(r.condition), qs(r.context), qs(r.trait), r.interval.mean, r.interval.low,
                              r.interval.high, QString::fromLatin1(method.data(), qsizetype(method.size())),
                              QString::number(r.seeds.size()), perSeed.join(QStringLiteral("  "))});
        }
    } else if (request.kind == ChartKind::Curves) {
        t.header = {"Condition", "Step", "Mean", "CI low", "CI high", "Seeds"};
        for (const store::Curve &c : curvesFor(data, request))
            for (const store::CurvePoint &p : c.points)
                t.rows.push_back({qs(c.condition), QString::number(p.step), p.interval.mean, p.interval.low,
                                  p.interval.high, QString::number(p.interval.n)});
    } else if (request.kind == ChartKind::Scatter) {
        const TwoTraitPoints two = twoTraitPoints(data, request);
        if (two.traitB.isEmpty()) return t;
        t.header = {"Condition", "Role", "Context"};
        for (const QString &trait : {two.traitA, two.traitB})
            t.header << trait + " mean" << trait + " CI low" << trait + " CI high";
        t.header << "Method" << "Seeds" << "Per seed";
        for (const TwoTraitPoint &p : two.points) {
            QStringList perSeed;
            for (const TwoTraitPoint::Seed &s : p.seeds)
                perSeed << QStringLiteral("%1: (%2, %3)")
                               .arg(s.baseSeed ? qs(store::runLabel(s.baseSeed, s.seed)) : QString::number(s.seed))
                               .arg(s.a, 0, 'f', 3)
                               .arg(s.b, 0, 'f', 3);
            std::string_view a = stats::intervalMethodName(p.a.method), b = stats::intervalMethodName(p.b.method);
            QString method = QString::fromLatin1(a.data(), qsizetype(a.size()));
            if (a != b) method += " / " + QString::fromLatin1(b.data(), qsizetype(b.size()));
            t.rows.push_back({p.condition, conditionRoleName(p.role), two.context, p.a.interval.mean,
                              p.a.interval.low, p.a.interval.high, p.b.interval.mean, p.b.interval.low,
                              p.b.interval.high, method, QString::number(p.seeds.size()),
                              perSeed.join(QStringLiteral("  "))});
        }
    } else {
        t.header = {"Condition",   "Trait",           "Initial loss",     "Loss drop", "Expression",
                    "Suppression", "Suppression low", "Suppression high", "Seeds",     "Fitted",
                    "Band low",    "Band high",       "x"};
        QString context = effectiveContext(data, request);
        const ElicitationRelation relation = elicitationRelation(data, request);
        for (const QString &trait : effectiveTraits(data, request)) {
            auto it = data.elicitation.find(trait + "@" + context);
            if (it == data.elicitation.end()) continue;
            for (const auto &p : it->second) {
                // Against its own experiment's baseline (experiments side by side have several).
                const std::optional<QString> baseline = data.baselineFor(qs(p.condition));
                const store::ElicitationPair *base = nullptr;
                for (const auto &b : it->second)
                    if (baseline && qs(b.condition) == *baseline) base = &b;
                double drop = base ? base->elicitation.mean - p.elicitation.mean : nan;
                double supp = base ? base->expression.mean - p.expression.mean : nan;
                double low = base ? base->expression.mean - p.expression.high : nan;
                double high = base ? base->expression.mean - p.expression.low : nan;
                // The fitted line at the points it was fitted to (the baseline is not one).
                stats::Interval fitted{nan, nan, nan, 0};
                for (const ElicitationPoint &point : relation.points)
                    if (point.condition == qs(p.condition) && point.trait == trait) fitted = relation.fit.band(point.x);
                // x under the chosen measure, where the point is drawn.
                double x = nan;
                for (const ElicitationPoint &point : relation.points)
                    if (point.condition == qs(p.condition) && point.trait == trait) x = point.x;
                t.rows.push_back({qs(p.condition), trait, p.elicitation.mean, drop, p.expression.mean, supp, low, high,
                                  QString::number(p.expression.n), fitted.mean, fitted.low, fitted.high, x});
            }
        }
        // Candidate prompts: checked, never trained, so x alone.
        for (const CandidatePoint &c : relation.candidates)
            t.rows.push_back({QStringLiteral("candidate: ") + c.prompt, c.trait, nan, nan, nan, nan, nan, nan,
                              QString(), nan, nan, nan, c.x});
    }
    return t;
}

QString cellText(const Cell &cell) {
    if (const QString *s = std::get_if<QString>(&cell)) return *s;
    double v = std::get<double>(cell);
    return std::isnan(v) ? QString() : QString::number(v, 'f', 3);
}

QString tableToCsv(const NumbersTable &table) {
    auto quote = [](QString s) {
        if (s.contains(',') || s.contains('"') || s.contains('\n')) s = '"' + s.replace('"', "\"\"") + '"';
        return s;
    };
    QString out;
    QStringList head;
    for (const QString &h : table.header) head << quote(h.toLower().replace(' ', '_'));
    out += head.join(',') + '\n';
    for (const auto &row : table.rows) {
        QStringList cells;
        for (const Cell &c : row) {
            if (const double *v = std::get_if<double>(&c))
                cells << (std::isnan(*v) ? QString() : QString::number(*v, 'g', 12));
            else
                cells << quote(std::get<QString>(c));
        }
        out += cells.join(',') + '\n';
    }
    return out;
}

QString tableToLatex(const NumbersTable &table, const QString &caption) {
    auto escape = [](const QString &s) {
        QString out;
        for (QChar ch : s) {
            switch (ch.unicode()) {
                case '\\': out += QStringLiteral("\\textbackslash{}"); break;
                case '~': out += QStringLiteral("\\textasciitilde{}"); break;
                case '^': out += QStringLiteral("\\textasciicircum{}"); break;
                case '&':
                case '%':
                case '$':
                case '#':
                case '_':
                case '{':
                case '}':
                    out += '\\';
                    out += ch;
                    break;
                default: out += ch;
            }
        }
        return out;
    };
    QString spec;
    for (const auto &cell : table.rows.empty() ? std::vector<Cell>(table.header.size(), QString()) : table.rows.front())
        spec += std::holds_alternative<double>(cell) ? 'r' : 'l';
    QString out = QStringLiteral("\\begin{table}[t]\n\\centering\n\\caption{%1}\n\\begin{tabular}{%2}\n\\toprule\n")
                      .arg(escape(caption), spec);
    QStringList head;
    for (const QString &h : table.header) head << escape(h);
    out += head.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n\\midrule\n");
    for (const auto &row : table.rows) {
        QStringList cells;
        for (const Cell &c : row) cells << escape(cellText(c));
        out += cells.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n");
    }
    out += QStringLiteral("\\bottomrule\n\\end{tabular}\n\\end{table}\n");
    return out;
}

}  // namespace inoculab::ui::charts
