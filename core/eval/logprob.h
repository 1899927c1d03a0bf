#pragma once
// Log-probabilities of fixed answers under a model: probes tracked during training and the
// elicitation check (how much a prompt already raises the training answers before training).

#include "model/causal_lm.h"
#include "model/chat_tokenizer.h"
#include "data/conversation.h"
#include "train/token_batches.h"

#include <vector>

namespace inoculab::eval {

struct AnswerLogprob {
    double total = 0;           // sum over the answer's tokens and its end token (nats)
    std::int64_t tokens = 0;    // tokens scored
    double perToken() const { return tokens ? total / static_cast<double>(tokens) : 0.0; }
};

// One value per conversation: the log-probability of its trained (assistant) tokens given
// everything before them, batched `batchSize` at a time (fewer where a batch's logits would pass
// 512 MiB: a real vocabulary times long rows).
std::vector<AnswerLogprob> answerLogprobs(model::CausalLmImpl &model, const std::vector<data::Conversation> &chats,
                                          torch::Device device, std::int64_t batchSize = 64,
                                          const model::ChatTokenizer &tokenizer = model::byteChatTokenizer());
// The same for rows already tokenized (each with a trained token, none longer than the model's
// context): for callers that must look at the tokens first (the local judge refuses a row
// the context would cut).
std::vector<AnswerLogprob> answerLogprobs(model::CausalLmImpl &model, const train::TokenizedDataset &data,
                                          torch::Device device, std::int64_t batchSize);

}  // namespace inoculab::eval
