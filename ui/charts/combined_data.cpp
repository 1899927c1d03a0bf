#include "combined_data.h"

#include "common/input_error.h"

#include <QFileInfo>

#include <algorithm>
#include <set>

namespace inoculab::ui::charts {

namespace {

template <typename T>
void appendNew(std::vector<T> &into, const std::vector<T> &from) {
    for (const T &v : from)
        if (std::find(into.begin(), into.end(), v) == into.end()) into.push_back(v);
}

}  // namespace

ResultsData combineExperiments(const std::vector<ExperimentPart> &parts) {
    ResultsData out;
    QStringList names;
    for (const ExperimentPart &part : parts) {
        names << part.label;
        const std::string prefix = part.label.toStdString() + ": ";
        auto renamed = [&](const std::string &condition) { return prefix + condition; };
        for (const auto &c : part.data.contents.conditions)
            out.groupOf[QString::fromStdString(renamed(c.name))] = part.label;
        appendNew(out.contents.contexts, part.data.contents.contexts);
        appendNew(out.contents.traits, part.data.contents.traits);
        appendNew(out.contents.metrics, part.data.contents.metrics);
        appendNew(out.contents.probes, part.data.contents.probes);
        appendNew(out.contents.evaluatedSteps, part.data.contents.evaluatedSteps);
        for (auto row : part.data.summary) {
            row.condition = renamed(row.condition);
            out.summary.push_back(std::move(row));
        }
        for (const auto &[key, curves] : part.data.curves)
            for (auto curve : curves) {
                curve.condition = renamed(curve.condition);
                out.curves[key].push_back(std::move(curve));
            }
        for (const auto &[key, pairs] : part.data.elicitation)
            for (auto pair : pairs) {
                pair.condition = renamed(pair.condition);
                out.elicitation[key].push_back(std::move(pair));
            }
    }
    // Conditions interleaved by their place in each spec (A's first, B's first, A's second, ...),
    // so that the same prompt on two base models is drawn side by side.
    std::size_t most = 0;
    for (const ExperimentPart &part : parts) most = std::max(most, part.data.contents.conditions.size());
    for (std::size_t i = 0; i < most; ++i)
        for (const ExperimentPart &part : parts) {
            if (i >= part.data.contents.conditions.size()) continue;
            auto c = part.data.contents.conditions[i];
            c.name = part.label.toStdString() + ": " + c.name;
            out.contents.conditions.push_back(std::move(c));
        }
    for (auto *sorted : {&out.contents.metrics, &out.contents.probes}) std::sort(sorted->begin(), sorted->end());
    std::sort(out.contents.evaluatedSteps.begin(), out.contents.evaluatedSteps.end());
    out.experimentName = names.join(QStringLiteral(" + "));
    return out;
}

std::vector<QString> partLabels(const std::vector<ExperimentRef> &refs, const std::vector<QString> &names) {
    std::vector<QString> labels;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const bool shared = std::count(names.begin(), names.end(), names[i]) > 1;
        labels.push_back(shared ? QStringLiteral("%1 (%2)").arg(names[i], QFileInfo(refs[i].store).fileName()) : names[i]);
    }
    // Still equal (the same experiment of the same file twice, or files of one name): numbered.
    for (std::size_t i = 0; i < labels.size(); ++i)
        for (std::size_t j = i + 1; j < labels.size(); ++j)
            if (labels[j] == labels[i]) labels[j] += QStringLiteral(" #%1").arg(j + 1);
    return labels;
}

ExperimentRef parseExperimentRef(const QString &text, const QString &defaultStore) {
    const qsizetype at = text.lastIndexOf(QLatin1Char('@'));
    if (at <= 0) return {defaultStore, text};
    return {text.mid(at + 1), text.left(at)};
}

ResultsData loadCombined(const std::vector<ExperimentRef> &refs) {
    std::vector<ExperimentPart> parts;
    std::vector<QString> names;
    for (const ExperimentRef &ref : refs) {
        if (!QFileInfo::exists(ref.store)) throw common::InputError(ref.store.toStdString(), 0, "no such file");
        QStringList known;
        std::optional<std::int64_t> id = findExperimentId(ref.store, ref.experiment, &known);
        if (!id)
            throw common::InputError(ref.store.toStdString(), 0,
                                     "no experiment \"" + ref.experiment.toStdString() + "\" (it has: " +
                                         (known.isEmpty() ? QStringLiteral("none") : known.join(QStringLiteral(", ")))
                                             .toStdString() +
                                         ")");
        parts.push_back({QString(), loadResultsData(ref.store, *id)});
        names.push_back(parts.back().data.experimentName);
    }
    const std::vector<QString> labels = partLabels(refs, names);
    for (std::size_t i = 0; i < parts.size(); ++i) parts[i].label = labels[i];
    return combineExperiments(parts);
}

}  // namespace inoculab::ui::charts
