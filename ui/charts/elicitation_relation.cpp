#include "elicitation_relation.h"

#include <QObject>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace inoculab::ui::charts {

namespace {

QString number(double v) { return std::isfinite(v) ? QString::number(v, 'f', 2) : QStringLiteral("–"); }

QString withInterval(const stats::Interval &i) {
    if (!std::isfinite(i.low)) return number(i.mean);
    return QStringLiteral("%1 [%2, %3]").arg(number(i.mean), number(i.low), number(i.high));
}

const QString kTrainLoss = QStringLiteral("metric:train_loss");
const QString kCheckDrop = QStringLiteral("check:drop");
const QString kCheckPh = QStringLiteral("check:ph");
const QString kCheckTrait = QStringLiteral("check:trait");

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A check's trait elicitation (rate with the prompt minus without, paired by question, with its
// bootstrap interval), from the JSON the check stored; NaN when it did not measure the trait.
stats::Interval traitElicitation(const store::ElicitationCheck &check, const QString &trait) {
    const nlohmann::json traits = nlohmann::json::parse(check.traitsJson, nullptr, false);
    if (traits.is_array())
        for (const nlohmann::json &t : traits) {
            if (!t.is_object() || t.value("trait", std::string()) != trait.toStdString()) continue;
            const nlohmann::json e = t.value("elicitation", nlohmann::json::object());
            auto number = [&](const char *key) {
                return e.is_object() && e.contains(key) && e[key].is_number() ? e[key].get<double>() : kNaN;
            };
            return {number("mean"), number("low"), number("high"), std::size_t(std::max(0.0, number("n")))};
        }
    return {kNaN, kNaN, kNaN, 0};
}

// A check's x under the measure: the loss drop (one number), PH with its interval over rows, or
// the trait's elicitation with its interval over questions.
stats::Interval checkX(const store::ElicitationCheck &check, const QString &measure, const QString &trait) {
    if (measure == kCheckPh) return check.meanChange;
    if (measure == kCheckTrait) return traitElicitation(check, trait);
    return {check.drop(), check.drop(), check.drop(), std::size_t(check.rows)};
}

bool measuresTraits(const std::vector<store::ElicitationCheck> &checks) {
    return std::any_of(checks.begin(), checks.end(), [](const store::ElicitationCheck &c) { return c.traitsJson != "[]"; });
}

}  // namespace

QStringList elicitationMeasures(const ResultsData &data) {
    QStringList out{kTrainLoss};
    if (!data.checks.empty()) out << kCheckDrop << kCheckPh;
    if (measuresTraits(data.checks)) out << kCheckTrait;
    return out;
}

QString elicitationMeasureLabel(const QString &measure) {
    if (measure == kCheckDrop) return QObject::tr("Elicitation check: loss drop with the prompt (nats/token)");
    if (measure == kCheckPh) return QObject::tr("Elicitation check: PH, mean log-prob change (nats/token)");
    if (measure == kCheckTrait) return QObject::tr("Elicitation check: trait rate with − without the prompt");
    return QObject::tr("Elicitation: drop in initial training loss vs baseline");
}

QString effectiveElicitationMeasure(const ResultsData &data, const ChartRequest &request) {
    return elicitationMeasures(data).contains(request.series) ? request.series : kTrainLoss;
}

ElicitationRelation elicitationRelation(const ResultsData &data, const ChartRequest &request) {
    ElicitationRelation out;
    out.context = effectiveContext(data, request);
    out.measure = effectiveElicitationMeasure(data, request);
    const bool fromChecks = out.measure != kTrainLoss;
    auto checkOf = [&](const std::optional<std::string> &prompt) -> const store::ElicitationCheck * {
        for (const store::ElicitationCheck &c : data.checks)
            if (prompt && c.prompt == *prompt) return &c;
        return nullptr;
    };
    // The trait measure puts one candidate per chosen trait; the others, one per prompt.
    const QStringList candidateTraits =
        out.measure == kCheckTrait ? effectiveTraits(data, request) : QStringList{QString()};
    if (fromChecks)
        for (const store::ElicitationCheck &c : data.checks) {
            const bool trained = std::any_of(data.contents.conditions.begin(), data.contents.conditions.end(),
                                             [&](const auto &k) { return k.prompt == c.prompt; });
            if (trained) continue;
            for (const QString &trait : candidateTraits) {
                const stats::Interval x = checkX(c, out.measure, trait);
                if (std::isfinite(x.mean))
                    out.candidates.push_back({QString::fromStdString(c.prompt), trait, x.mean, x.low, x.high, c.rows});
            }
        }
    out.hasBaseline = data.baseline().has_value();
    if (!out.hasBaseline) return out;
    for (const QString &trait : effectiveTraits(data, request)) {
        auto it = data.elicitation.find(trait + "@" + out.context);
        if (it == data.elicitation.end()) continue;
        for (const store::ElicitationPair &p : it->second) {
            const QString name = QString::fromStdString(p.condition);
            // Each condition against its own experiment's baseline (experiments side by side).
            const std::optional<QString> baseline = data.baselineFor(name);
            if (!baseline || name == *baseline) continue;
            auto base = std::find_if(it->second.begin(), it->second.end(), [&](const store::ElicitationPair &b) {
                return QString::fromStdString(b.condition) == *baseline;
            });
            if (base == it->second.end()) continue;
            stats::Interval x{base->elicitation.mean - p.elicitation.mean, base->elicitation.mean - p.elicitation.high,
                              base->elicitation.mean - p.elicitation.low, p.elicitation.n};
            if (fromChecks) {
                const store::ExperimentContents::Condition *condition = nullptr;
                for (const auto &k : data.contents.conditions)
                    if (QString::fromStdString(k.name) == name) condition = &k;
                const store::ElicitationCheck *check = condition ? checkOf(condition->prompt) : nullptr;
                if (!check) continue;  // its prompt was never checked
                x = checkX(*check, out.measure, trait);
                if (!std::isfinite(x.mean)) continue;  // the check did not measure this trait
            }
            ElicitationPoint point{name,
                                   trait,
                                   x.mean,
                                   x.low,
                                   x.high,
                                   base->expression.mean - p.expression.mean,
                                   base->expression.mean - p.expression.high,
                                   base->expression.mean - p.expression.low,
                                   p.expression.n};
            if (std::isfinite(point.x) && std::isfinite(point.y)) out.points.push_back(point);
        }
    }
    std::vector<double> xs, ys;
    for (const ElicitationPoint &p : out.points) xs.push_back(p.x), ys.push_back(p.y);
    out.fit = stats::leastSquares(xs, ys);
    out.pearson = stats::pearsonInterval(xs, ys);
    out.spearman = stats::spearmanInterval(xs, ys);
    return out;
}

namespace {

QString fitSummary(const ElicitationRelation &relation) {
    const std::size_t n = relation.points.size();
    if (!relation.hasBaseline) return QObject::tr("no fit: the experiment has no baseline condition");
    if (!std::isfinite(relation.fit.slope))
        return QObject::tr("no fit: %n point(s), a line needs two with different elicitation", nullptr, int(n));
    QString fit = QObject::tr("least squares over %1 points: y = %2 %3 %4 x")
                      .arg(n)
                      .arg(number(relation.fit.intercept))
                      .arg(relation.fit.slope < 0 ? QStringLiteral("−") : QStringLiteral("+"))
                      .arg(number(std::fabs(relation.fit.slope)));
    fit += std::isfinite(relation.fit.residualStdError) ? QObject::tr(" (95% band of the mean: t, %1 df)").arg(n - 2)
                                                         : QObject::tr(" (no band: two points)");
    QString r = QObject::tr("Pearson r = %1, Spearman ρ = %2")
                    .arg(withInterval(relation.pearson.interval), withInterval(relation.spearman.interval));
    r += n >= 4 ? QObject::tr(" (95% percentile bootstrap over points)")
                : QObject::tr(" (no interval below 4 points)");
    return fit + "; " + r;
}

}  // namespace

QString relationSummary(const ElicitationRelation &relation) {
    if (relation.candidates.empty()) return fitSummary(relation);
    return fitSummary(relation) +
           QObject::tr("; %n candidate prompt(s) checked but not trained, drawn below at their x alone", nullptr,
                       int(relation.candidates.size()));
}

}  // namespace inoculab::ui::charts
