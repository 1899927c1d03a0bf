#pragma once
// Experiments side by side: the conditions of several experiments, from one store or several,
// in one chart (the same prompts on two base models, a sweep split over two stores). Each
// condition is named "LABEL: condition", the experiments' conditions interleaved by their place
// in each spec; contexts, traits, metrics and probes are the union, so
// whatever the experiments share is drawn together. Each condition keeps its own experiment's
// baseline (ResultsData::baselineFor): suppression is always measured within an experiment.
#include "chart_data.h"

#include <QString>

#include <vector>

namespace inoculab::ui::charts {

struct ExperimentPart {
    QString label;  // how its conditions are named in the chart
    ResultsData data;
};

// Elicitation checks are left out: a candidate prompt belongs to one experiment's base model.
ResultsData combineExperiments(const std::vector<ExperimentPart> &parts);

// Labels for experiments to compare: their names, with the store's file name added where two
// share a name ("spanish-caps (a.sqlite)").
struct ExperimentRef {
    QString store, experiment;  // experiment: name or spec hash prefix
};
std::vector<QString> partLabels(const std::vector<ExperimentRef> &refs, const std::vector<QString> &names);

// "NAME" or "NAME@STORE" (a store path after the last @): the compare option's syntax.
ExperimentRef parseExperimentRef(const QString &text, const QString &defaultStore);

// Loads each experiment (by name or hash prefix) and combines them; throws common::InputError
// naming the store and experiment that cannot be found.
ResultsData loadCombined(const std::vector<ExperimentRef> &refs);

}  // namespace inoculab::ui::charts
