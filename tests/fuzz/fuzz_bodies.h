#pragma once
// Fuzz bodies for the untrusted-input parsers. Each takes arbitrary bytes, must never crash
// or hang, and checks properties that hold for every input; a broken property aborts.
// They run under libFuzzer (INOCULAB_FUZZ=ON, clang) and, in every build, over a seed
// corpus plus deterministic mutations in the test_fuzz_corpus suite.
#include <cstddef>
#include <cstdint>

namespace inoculab::fuzz {

// RecordParser in every format, padded and not: same verdicts; a row that parses is valid
// and survives a write and re-read as OpenAI messages unchanged.
void recordParser(const std::uint8_t *data, std::size_t size);

// LineScanner and JsonlIndex over the bytes as a file: lines tile the file, rows read back
// through the index equal the scanned lines.
void jsonlScan(const std::uint8_t *data, std::size_t size);

// parseExperimentSpec over the bytes: only SpecError escapes, listing one problem a line; a
// spec that parses survives toJson() and a re-parse unchanged (equal spec, JSON and hash).
void experimentSpec(const std::uint8_t *data, std::size_t size);

// SafetensorsFile::fromBytes over the bytes: only SafetensorsError escapes, as one line naming
// the file; a file that opens has tensors sorted by name whose ranges tile the data buffer
// and match their shapes, and it survives writeSafetensors + open with the same tensors,
// metadata and bytes (and a second write gives the same file byte for byte).
void safetensors(const std::uint8_t *data, std::size_t size);

// BpeTokenizer::fromJson over the bytes as a tokenizer.json: only TokenizerError escapes, as one
// line naming the file; a tokenizer that loads encodes a few texts (its own added tokens among
// them) into known ids whose offsets stay inside the text and advance, decodes them without
// throwing, and, where nothing in the file drops or rewrites text, decodes back to the text
// from ranges that tile it.
void tokenizerJson(const std::uint8_t *data, std::size_t size);

// parseChatCompletionLogprobs over the bytes as an HTTP judge's response: only JudgeError
// escapes, as one line; a distribution that parses has at most 1000 answers with
// probabilities in [0, 1], and the score read off it in either mode is in [0, 100] with a
// mass in [0, number of answers].
void chatCompletion(const std::uint8_t *data, std::size_t size);

// What the SLURM backend reads from cluster nodes and SLURM's commands, over the same bytes:
// parseExitRecord and parseSubmissions throw only InputError naming the file and line, and
// what they accept is well formed (digit job ids, labels that are plain file names) and
// survives being written and read again unchanged; parseSqueue and parseSacct never throw
// and key their entries by task ids; parseSbatchJobId throws only runtime_error and answers
// digits; slurmTimeSeconds answers nothing or a non-negative count; decideRunStatus over any
// of it never throws.
void slurmFiles(const std::uint8_t *data, std::size_t size);

}  // namespace inoculab::fuzz
