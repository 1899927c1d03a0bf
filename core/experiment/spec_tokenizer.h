#pragma once
// The ChatTokenizer an experiment's base model uses, without loading the model: the byte
// tokenizer for the toy world, the folder's tokenizer.json with the spec's chat template for
// a Hugging Face model. Training, evaluation and the GUI's preview all take it from here.

#include "experiment/experiment_spec.h"
#include "model/chat_tokenizer.h"

#include <memory>
#include <string>

namespace inoculab::experiment {

// Throws common::InputError naming the tokenizer file and field (or the spec) when the
// folder's tokenizer cannot serve the template.
std::shared_ptr<const model::ChatTokenizer> chatTokenizerFor(const BaseModelSpec &base, const std::string &specFile);

}  // namespace inoculab::experiment
