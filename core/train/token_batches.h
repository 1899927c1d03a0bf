#pragma once
// Training examples as tokens, and the deterministic order they are drawn in. The order is a
// function of (seed, step) alone, so a resumed run draws exactly the batches it would have.

#include "model/chat_tokenizer.h"

#include <cstdint>
#include <vector>

namespace inoculab::train {

struct TokenizedDataset {
    std::vector<model::TokenizedChat> rows;
    std::int64_t truncated = 0;  // rows cut to the length limit
    std::int64_t dropped = 0;    // rows with no trained token within the limit
    std::int32_t padId = model::ByteTokenizer::kPad;  // the tokenizer's padding, for batching

    std::int64_t trainedTokens() const;
};

// Renders and tokenizes every conversation; rows longer than maxLength are cut at maxLength
// (their tail is lost, counted in `truncated`), rows left with nothing to learn are dropped.
TokenizedDataset tokenizeConversations(const std::vector<data::Conversation> &rows, std::int64_t maxLength,
                                       const model::ChatTokenizer &tokenizer = model::byteChatTokenizer());

// Row indices of a step's batch: epochs are shuffles of all rows seeded by (seed, epoch),
// read batchSize at a time across epoch boundaries.
class BatchOrder {
public:
    BatchOrder(std::size_t rows, std::uint64_t seed);
    std::vector<std::size_t> batch(std::int64_t step, std::size_t batchSize);

private:
    const std::vector<std::size_t> &permutation(std::uint64_t epoch);
    std::size_t m_rows;
    std::uint64_t m_seed;
    std::uint64_t m_cachedEpoch = ~std::uint64_t(0);
    std::vector<std::size_t> m_cached;
};

}  // namespace inoculab::train
