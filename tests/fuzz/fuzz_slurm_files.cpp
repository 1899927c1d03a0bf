// libFuzzer entry point: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
#include "fuzz_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    inoculab::fuzz::slurmFiles(data, size);
    return 0;
}
