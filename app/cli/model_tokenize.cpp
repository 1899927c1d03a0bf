#include "model_tokenize.h"

#include "exit_codes.h"

#include "common/input_error.h"
#include "model/bpe_tokenizer.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <stdexcept>

namespace inoculab::cli {

int runModelTokenize(const std::string &dir, bool special, std::istream &in, std::ostream &out) {
    model::BpeTokenizer tokenizer = model::BpeTokenizer::fromFolder(dir);
    std::string line, text;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::vector<std::int32_t> ids;
        try {
            ids = tokenizer.encode(line, special);
        } catch (const std::invalid_argument &e) {
            throw common::InputError("<stdin>", number, e.what());
        }
        text.clear();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i > 0) text += ' ';
            text += std::to_string(ids[i]);
        }
        out << text << '\n';
    }
    out.flush();
    if (!out) throw std::runtime_error("cannot write the output");
    return kExitOk;
}

void addModelTokenizeCommand(CLI::App &modelCommand, CommandAction &action) {
    CLI::App *tokenize = modelCommand.add_subcommand(
        "tokenize", "Token ids of each line of stdin, one output line per input line (tokenizer.json)");
    struct Args {
        std::string dir;
        bool special = false;
    };
    auto args = std::make_shared<Args>();
    tokenize->add_option("DIR", args->dir, "Model folder holding tokenizer.json (and tokenizer_config.json)")
        ->required();
    tokenize->add_flag("--special", args->special,
                       "Recognise special tokens written in the text (<|im_start|>); otherwise they are text");
    tokenize->callback([&action, args] {
        action = [args] { return runModelTokenize(args->dir, args->special, std::cin, std::cout); };
    });
}

}  // namespace inoculab::cli
