#pragma once
// A small experiment registered in a store, shared by the store suites.
#include "store/results_store.h"

namespace inoculab::test {

inline store::ExperimentRegistration toyRegistration(const std::string &hash = "a1b2c3d4e5f60718") {
    store::ExperimentRegistration e;
    e.name = "toy";
    e.specHash = hash;
    e.specJson = "{\"name\":\"toy\"}";
    e.conditions = {{"baseline", std::nullopt, "system"},
                    {"spanish-inoculated", std::string("You always speak in Spanish."), "system"}};
    e.traits = {{"spanish", "spanish", "t"}, {"all_caps", "all_caps", "wilson"}};
    e.contexts = {{"none", std::nullopt}, {"own-prompt", std::string("$condition")}};
    return e;
}

}  // namespace inoculab::test
