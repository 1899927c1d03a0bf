#pragma once
// The toy world's text rules: sentence case, Spanish contractions, the characters a lexicon may
// use (those capitals cover), and reading lexicon strings with those checks.
#include "experiment/spec_reader.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace inoculab::experiment::toy {

// U+00E0..U+00FE but U+00F7 as the two UTF-8 bytes lead, next.
bool isLatin1Lowercase(unsigned char lead, unsigned char next);
std::string upperFirst(std::string text);
std::string contractSpanish(std::string text);
// Why the text cannot be in a lexicon, or nullopt when it can.
std::optional<std::string> unsupportedCharacter(std::string_view text);
std::optional<std::string> readText(const nlohmann::json &value, const std::string &path, ProblemList &problems);
std::string requiredText(ObjectReader &reader, std::string_view key);
std::string quoted(std::string_view text);

}  // namespace inoculab::experiment::toy
