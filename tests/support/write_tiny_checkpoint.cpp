// write_tiny_checkpoint ARCH OUTDIR [--seed N] [--sharded] [--bf16] [--qwen2.5-0.5b-shape]: a tiny random-weight
// Hugging Face checkpoint (see tiny_checkpoint.h) with the tiny tokenizer (tiny_tokenizer.h),
// for the Python reference, for tests that drive the command line or the GUI, and for trying
// an `hf` experiment by hand.
#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char **argv) {
    using namespace inoculab::test;
    std::string usage =
        "usage: write_tiny_checkpoint ARCH OUTDIR [--seed N] [--sharded] [--bf16] [--qwen2.5-0.5b-shape]\nARCH:";
    for (const std::string &a : tinyArchitectures()) usage += " " + a;
    if (argc < 3) {
        std::fprintf(stderr, "%s\n", usage.c_str());
        return 1;
    }
    TinyCheckpointOptions options;
    for (int i = 3; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--seed" && i + 1 < argc) {
            options.seed = std::stoull(argv[++i]);
        } else if (arg == "--sharded") {
            options.sharded = true;
        } else if (arg == "--bf16") {
            options.bf16 = true;
        } else if (arg == "--qwen2.5-0.5b-shape") {
            options.dims = qwen25HalfBillionDims();  // random weights of a real size, for timing
        } else {
            std::fprintf(stderr, "unknown option %s\n%s\n", arg.c_str(), usage.c_str());
            return 1;
        }
    }
    try {
        writeTinyCheckpoint(argv[1], argv[2], options);
        writeTinyTokenizer(argv[2]);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "write_tiny_checkpoint: %s\n", e.what());
        return 1;
    }
    return 0;
}
