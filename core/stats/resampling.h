#pragma once
// The resampling machinery the bootstrap intervals share (intervals.cpp, correlation.cpp):
// index draws that are the same on every platform, and the percentile rule. Internal to stats.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace inoculab::stats::detail {

// Uniform indices in [0, bound) from std::mt19937_64, the same on every platform. Bounds below
// 2^32 (every realistic seed count) use Lemire's multiply-and-reject on 32-bit words, two words
// per engine output (low half first), which avoids a division per draw; larger bounds reject
// 64-bit outputs below 2^64 mod bound and take the remainder. Both are exactly unbiased.
class IndexDraw {
public:
    IndexDraw(std::uint64_t seed, std::uint64_t bound) : engine_(seed), bound_(bound) {
        if (bound_ <= 0xFFFFFFFFull) {
            // 2^32 mod bound: products whose low word falls below it belong to an incomplete
            // cycle and are redrawn.
            threshold32_ = static_cast<std::uint32_t>((0x100000000ull - bound_) % bound_);
        } else {
            threshold64_ = (0 - bound_) % bound_;  // 2^64 mod bound
        }
    }

    std::uint64_t operator()() {
        if (bound_ > 0xFFFFFFFFull) {
            for (;;) {
                std::uint64_t x = engine_();
                if (x >= threshold64_) return x % bound_;
            }
        }
        for (;;) {
            std::uint64_t product = std::uint64_t{next32()} * bound_;
            if (static_cast<std::uint32_t>(product) >= threshold32_) return product >> 32;
        }
    }

private:
    std::uint32_t next32() {
        if (haveHigh_) {
            haveHigh_ = false;
            return high_;
        }
        std::uint64_t word = engine_();
        high_ = static_cast<std::uint32_t>(word >> 32);
        haveHigh_ = true;
        return static_cast<std::uint32_t>(word);
    }

    std::mt19937_64 engine_;
    std::uint64_t bound_;
    std::uint32_t threshold32_ = 0;
    std::uint64_t threshold64_ = 0;
    std::uint32_t high_ = 0;
    bool haveHigh_ = false;
};

// Hyndman & Fan type 7 on sorted data: linear interpolation between order statistics at
// h = (size - 1) p. std::fma is correctly rounded everywhere, whereas a plain a + f * d may or
// may not be fused depending on compiler and target; spelling it out keeps the bounds
// bit-identical across platforms.
inline double quantileType7(const std::vector<double> &sorted, double p) {
    const double h = static_cast<double>(sorted.size() - 1) * p;
    const auto below = static_cast<std::size_t>(std::floor(h));
    if (below + 1 >= sorted.size()) return sorted.back();
    const double fraction = h - static_cast<double>(below);
    return std::fma(fraction, sorted[below + 1] - sorted[below], sorted[below]);
}

}  // namespace inoculab::stats::detail
