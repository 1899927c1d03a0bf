#include "experiment/loaded_model.h"

#include "experiment/base_model.h"
#include "model/checkpoint.h"

namespace inoculab::experiment {

LoadedModel loadBaseModel(const RunInputs &in, const std::string &cache, torch::Device device, ModelUse use,
                          const EventSink &events, const common::CancelToken *cancel) {
    if (in.spec.baseModel.kind == BaseModelKind::HuggingFace) return loadHfBaseModel(in, device, use);
    model::Gpt gpt = model::loadWeights(ensureBaseModel(in, cache, device, events, cancel));
    gpt->to(device);
    return {gpt.ptr(), std::make_shared<model::ByteChatTokenizer>()};
}

}  // namespace inoculab::experiment
