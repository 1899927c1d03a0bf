#pragma once
// The toy world's random draws: the same rows for a seed on every platform and library.
#include <cstdint>
#include <random>
#include <vector>

namespace inoculab::experiment::toy {

inline std::uint64_t splitMix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// mt19937_64 is specified bit for bit by the standard; the distributions are not, so bounded
// draws are done here (rejection keeps them unbiased) and a seed gives the same rows on
// every platform and library.
class Rng {
public:
    Rng(std::uint64_t seed, std::uint64_t stream) : m_engine(splitMix64(seed ^ splitMix64(stream))) {}

    // Uniform in [0, n), n > 0.
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the low values that would bias
        for (;;) {
            std::uint64_t x = m_engine();
            if (x >= threshold) return x % n;
        }
    }

    template <typename T>
    const T &pick(const std::vector<T> &items) {
        return items[static_cast<std::size_t>(below(items.size()))];
    }

private:
    std::mt19937_64 m_engine;
};

// Streams: each task draws from its own sequence, so pretraining seed 0 and finetuning seed 0
// are unrelated.
constexpr std::uint64_t kPretrainStream = 0x70726574726169ull;  // "pretrai"
constexpr std::uint64_t kFinetuneStream = 0x7370616e636170ull;  // "spancap"
constexpr std::uint64_t kEvalStream = 0x6576616c717565ull;      // "evalque"

}  // namespace inoculab::experiment::toy
