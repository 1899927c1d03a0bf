#include "model/gpt_config.h"

#include <stdexcept>
#include <string>

namespace inoculab::model {

std::int64_t GptConfig::parameterCount() const {
    std::int64_t perLayer = 2 * 2 * dModel                   // two LayerNorms
                            + dModel * 3 * dModel + 3 * dModel  // qkv
                            + dModel * dModel + dModel          // attention output
                            + dModel * 4 * dModel + 4 * dModel  // MLP up
                            + 4 * dModel * dModel + dModel;     // MLP down
    return vocabSize * dModel + context * dModel + layers * perLayer + 2 * dModel;
}

double GptConfig::trainingFlopsPerToken(std::int64_t t) const {
    double nonEmbedding = static_cast<double>(parameterCount() - vocabSize * dModel - context * dModel);
    double logits = static_cast<double>(vocabSize * dModel);
    // 6 FLOPs per weight per token (forward 2, backward 4), plus attention scores and values.
    return 6.0 * (nonEmbedding + logits) + 12.0 * static_cast<double>(layers * dModel * t);
}

nlohmann::json toJson(const GptConfig &c) {
    return {{"vocab_size", c.vocabSize}, {"d_model", c.dModel}, {"layers", c.layers}, {"heads", c.heads},
            {"context", c.context}};
}

GptConfig gptConfigFromJson(const nlohmann::json &json) {
    GptConfig c;
    auto read = [&](const char *key, std::int64_t &into, std::int64_t max) {
        if (!json.contains(key) || !json[key].is_number_integer())
            throw std::invalid_argument(std::string("model config: ") + key + ": expected an integer");
        into = json[key].get<std::int64_t>();
        if (into < 1 || into > max)
            throw std::invalid_argument(std::string("model config: ") + key + ": must be from 1 to " +
                                        std::to_string(max));
    };
    if (!json.is_object()) throw std::invalid_argument("model config: expected an object");
    read("vocab_size", c.vocabSize, 1 << 20);
    read("d_model", c.dModel, 1 << 16);
    read("layers", c.layers, 256);
    read("heads", c.heads, 1024);
    read("context", c.context, 1 << 20);
    if (c.dModel % c.heads != 0) throw std::invalid_argument("model config: d_model must be a multiple of heads");
    return c;
}

}  // namespace inoculab::model
