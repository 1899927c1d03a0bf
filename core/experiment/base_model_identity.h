#pragma once
// What a base model is, for the results store: where its weights came from and a content hash
// of them. A finished experiment keeps the hash its runs trained on, so weights that change
// under it (a folder overwritten with another checkpoint, a toy base pretrained again on
// another CPU) are detected and said (store/run_provenance.h).

#include <string>
#include <vector>

namespace inoculab::experiment {

struct BaseModelIdentity {
    std::string description;  // "toy world base model <cache file>" or a Hugging Face folder's path
    std::vector<std::string> files;  // what the hash covers, in order
};

// SHA-256 over each file's name and SHA-256, in order. Each file's digest is kept in
// `digestCache` (a folder; empty: none) under its absolute path, size and modification time,
// so a many-gigabyte model is read once, not at every run. Throws common::InputError naming a
// file that cannot be read.
std::string contentHash(const BaseModelIdentity &identity, const std::string &digestCache);

}  // namespace inoculab::experiment
