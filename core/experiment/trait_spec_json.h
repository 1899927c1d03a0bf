#pragma once
// The `traits` of an experiment spec: reading them (each scorer's parameters; a judge's
// template read from its file, relative to the spec) and writing their normalized JSON.

#include "experiment/experiment_spec.h"

namespace inoculab::experiment {

std::vector<TraitSpec> readTraits(ArrayReader traits, const std::string &specFile);
// Only the parameters of the trait's own scorer are written (a judge's template as its text),
// so that traits specs wrote before a scorer existed keep their hash.
nlohmann::json traitJson(const TraitSpec &trait);

}  // namespace inoculab::experiment
