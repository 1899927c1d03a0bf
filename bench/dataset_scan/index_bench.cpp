// Times JsonlIndex::build on one file and prints one JSON object on stdout.
// A separate program (not a CLI flag) so that its peak RSS is the index alone, with nothing
// else of inoculab-cli's resident, and so that run.py can time it the same way every time.
//
// usage: inoculab_index_bench FILE [REPEATS]
//   Runs once to warm the page cache, then REPEATS (default 3) timed builds; reports the best.
#include "data/jsonl_index.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s FILE [REPEATS]\n", argv[0]);
        return 2;
    }
    const std::string path = argv[1];
    const int repeats = argc == 3 ? std::atoi(argv[2]) : 3;
    try {
        // Untimed: the first read of a file may come from disk; we measure the scan, not the disk.
        std::uint64_t rows = inoculab::data::JsonlIndex::build(path).rowCount();
        double best = 1e300;
        std::uint64_t bytes = 0;
        std::size_t memoryBytes = 0;
        for (int i = 0; i < repeats; ++i) {
            auto start = std::chrono::steady_clock::now();
            auto index = inoculab::data::JsonlIndex::build(path);
            double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (seconds < best) best = seconds;
            bytes = index.fileSize();
            rows = index.rowCount();
            memoryBytes = index.memoryBytes();
        }
        // Only one index is alive at a time, so the peak is what one build needs.
        struct rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        std::printf("{\"seconds\": %.6f, \"bytes\": %llu, \"gb_per_s\": %.4f, \"rows\": %llu, "
                    "\"index_memory_bytes\": %zu, \"peak_rss_bytes\": %llu, \"repeats\": %d}\n",
                    best, static_cast<unsigned long long>(bytes), bytes / best / 1e9,
                    static_cast<unsigned long long>(rows), memoryBytes,
                    static_cast<unsigned long long>(usage.ru_maxrss) * 1024ull, repeats);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
