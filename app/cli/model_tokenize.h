#pragma once
// `inoculab-cli model tokenize DIR [--special]`: the token ids a model folder's tokenizer.json
// gives each line of stdin, so scripts can count or compare tokens without Python.
#include "dataset_commands.h"  // CommandAction

#include <iosfwd>
#include <string>

namespace inoculab::cli {

// Reads `in` line by line and writes, per line, its token ids separated by spaces (an empty
// line gives an empty line). The line end ("\n") is not tokenised; a "\r" before it is.
// `special`: special tokens written in the text (<|im_start|>) become their ids; otherwise
// they are tokenised as text. Throws TokenizerError for a bad tokenizer.json and
// common::InputError ("<stdin>:LINE") for a line that is not UTF-8.
int runModelTokenize(const std::string &dir, bool special, std::istream &in, std::ostream &out);

// Adds `tokenize` under the `model` command.
void addModelTokenizeCommand(CLI::App &modelCommand, CommandAction &action);

}  // namespace inoculab::cli
