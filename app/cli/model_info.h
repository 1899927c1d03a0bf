#pragma once
// `inoculab-cli model info PATH`: what a Hugging Face model folder (or a lone .safetensors
// file) holds, without loading it: architecture and sizes from config.json, parameter count,
// dtypes, and every tensor with its dtype and shape.
#include "dataset_commands.h"

#include <ostream>
#include <string>

namespace inoculab::cli {

// Prints the report; throws InputError for an unreadable or invalid folder.
int runModelInfo(const std::string &path, std::ostream &out);

// Registers `info PATH` on the `model` subcommand.
void addModelInfoCommand(CLI::App &modelCommand, CommandAction &action);

}  // namespace inoculab::cli
