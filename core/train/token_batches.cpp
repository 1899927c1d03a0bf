#include "train/token_batches.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace inoculab::train {

std::int64_t TokenizedDataset::trainedTokens() const {
    std::int64_t n = 0;
    for (const model::TokenizedChat &row : rows)
        for (std::uint8_t t : row.trained) n += t;
    return n;
}

TokenizedDataset tokenizeConversations(const std::vector<data::Conversation> &rows, std::int64_t maxLength,
                                       const model::ChatTokenizer &tokenizer) {
    TokenizedDataset out;
    out.padId = tokenizer.padId();
    out.rows.reserve(rows.size());
    for (const data::Conversation &c : rows) {
        model::TokenizedChat t = tokenizer.encode(c);
        if (static_cast<std::int64_t>(t.ids.size()) > maxLength) {
            t.ids.resize(static_cast<std::size_t>(maxLength));
            t.trained.resize(static_cast<std::size_t>(maxLength));
            ++out.truncated;
        }
        // The first token is never a target (nothing predicts it), so it does not count.
        if (t.trained.size() < 2 || std::count(t.trained.begin() + 1, t.trained.end(), 1) == 0) {
            ++out.dropped;
            continue;
        }
        out.rows.push_back(std::move(t));
    }
    return out;
}

BatchOrder::BatchOrder(std::size_t rows, std::uint64_t seed) : m_rows(rows), m_seed(seed) {
    if (rows == 0) throw std::invalid_argument("no training rows");
}

const std::vector<std::size_t> &BatchOrder::permutation(std::uint64_t epoch) {
    if (epoch != m_cachedEpoch) {
        m_cached.resize(m_rows);
        std::iota(m_cached.begin(), m_cached.end(), std::size_t{0});
        std::seed_seq seq{static_cast<std::uint32_t>(m_seed), static_cast<std::uint32_t>(m_seed >> 32),
                          static_cast<std::uint32_t>(epoch), static_cast<std::uint32_t>(epoch >> 32)};
        std::mt19937_64 rng(seq);
        // Fisher-Yates written out: std::shuffle's draws are not specified by the standard.
        for (std::size_t i = m_rows - 1; i > 0; --i) std::swap(m_cached[i], m_cached[rng() % (i + 1)]);
        m_cachedEpoch = epoch;
    }
    return m_cached;
}

std::vector<std::size_t> BatchOrder::batch(std::int64_t step, std::size_t batchSize) {
    std::vector<std::size_t> out;
    out.reserve(batchSize);
    std::uint64_t first = static_cast<std::uint64_t>(step) * batchSize;
    for (std::uint64_t g = first; g < first + batchSize; ++g) out.push_back(permutation(g / m_rows)[g % m_rows]);
    return out;
}

}  // namespace inoculab::train
