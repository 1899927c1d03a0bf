#pragma once
// The toy world's row generators: pretraining in the style mixture, the Spanish-capitals
// finetuning rows, and the held-out evaluation questions, each from its own random stream.
#include "experiment/toyworld/lexicon.h"

namespace inoculab::experiment::toy {

void generatePretraining(const Data &d, std::size_t n, std::uint64_t seed, const StyleMixture &mixture,
                         const ToyWorld::RowSink &sink, const common::CancelToken *cancel);

void generateSpanishCaps(const Data &d, std::size_t n, std::uint64_t seed, const ToyWorld::RowSink &sink,
                         const common::CancelToken *cancel);

void generateEval(const Data &d, std::size_t n, std::uint64_t seed, const ToyWorld::RowSink &sink,
                  const common::CancelToken *cancel);

// How many distinct evaluation questions a kind offers: held-out subjects x all its templates.
std::size_t evalPoolSize(const Data &d, std::size_t kind);

}  // namespace inoculab::experiment::toy
