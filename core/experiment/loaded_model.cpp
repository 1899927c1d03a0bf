#include "experiment/loaded_model.h"

#include "experiment/base_model.h"
#include "model/checkpoint.h"

namespace inoculab::experiment {

LoadedModel loadBaseModel(const RunInputs &in, const std::string &cache, torch::Device device, ModelUse use,
                          const EventSink &events, const common::CancelToken *cancel) {
    if (in.spec.baseModel.kind == BaseModelKind::HuggingFace) return loadHfBaseModel(in, device, use);
    const std::string weights = ensureBaseModel(in, cache, device, events, cancel);
    model::Gpt gpt = model::loadWeights(weights);
    gpt->to(device);
    return {gpt.ptr(), std::make_shared<model::ByteChatTokenizer>(), {"toy world base model " + weights, {weights}}};
}

}  // namespace inoculab::experiment
