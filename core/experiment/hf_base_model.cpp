#include "experiment/loaded_model.h"

#include "common/input_error.h"

namespace inoculab::experiment {

LoadedModel loadHfBaseModel(const RunInputs &in, torch::Device, ModelUse) {
    throw common::InputError(in.specFile, 0, "base_model.kind: hf models cannot be loaded yet");
}

}  // namespace inoculab::experiment
