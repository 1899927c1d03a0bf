// Encoding speed of BpeTokenizer: loads DIR/tokenizer.json, then encodes CORPUS (one text per
// line) repeated to about MB megabytes, line by line, and prints load time and MB/s.
// The first pass over the corpus runs with an empty pre-token cache ("cold"); the repeats hit
// the cache for every word, as ordinary text mostly does.
// Usage: inoculab_tokenize_bench DIR CORPUS [MB]   (numbers in docs/tokenizers.md)
#include "model/bpe_tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s DIR CORPUS [MB]\n", argv[0]);
        return 1;
    }
    double targetMb = argc > 3 ? std::atof(argv[3]) : 20.0;
    using Clock = std::chrono::steady_clock;
    auto seconds = [](Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); };

    auto start = Clock::now();
    inoculab::model::BpeTokenizer tokenizer = inoculab::model::BpeTokenizer::fromFolder(argv[1]);
    double loadSeconds = seconds(start);

    std::ifstream in(argv[2], std::ios::binary);
    std::vector<std::string> lines;
    std::size_t corpusBytes = 0;
    for (std::string line; std::getline(in, line);) {
        corpusBytes += line.size() + 1;
        lines.push_back(line);
    }
    if (lines.empty()) return 1;

    auto pass = [&] {
        std::size_t tokens = 0;
        for (const std::string &line : lines) tokens += tokenizer.encode(line).size();
        return tokens;
    };
    start = Clock::now();
    std::size_t tokens = pass();
    double cold = seconds(start);

    std::size_t repeats = std::max<std::size_t>(1, std::size_t(targetMb * 1e6 / double(corpusBytes)));
    start = Clock::now();
    for (std::size_t r = 0; r < repeats; ++r) tokens += pass();
    double warm = seconds(start);
    std::printf("%s: load %.2f s; cold pass %.1f MB/s (%zu bytes); warm %.1f MB/s (%.1f MB, %zu tokens in all)\n",
                argv[1], loadSeconds, double(corpusBytes) / cold / 1e6, corpusBytes,
                double(corpusBytes * repeats) / warm / 1e6, double(corpusBytes * repeats) / 1e6, tokens);
    return 0;
}
