#include "experiment/spec_tokenizer.h"

#include "model/bpe_chat_tokenizer.h"

namespace inoculab::experiment {

std::shared_ptr<const model::ChatTokenizer> chatTokenizerFor(const BaseModelSpec &base, const std::string &specFile) {
    if (base.kind == BaseModelKind::Toy) return std::make_shared<model::ByteChatTokenizer>();
    return model::BpeChatTokenizer::fromFolder(resolvePath(specFile, base.path), base.chatTemplate);
}

}  // namespace inoculab::experiment
