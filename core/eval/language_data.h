#pragma once
// The language profiles compiled into the binary: cmake/LanguageProfiles.cmake writes them
// from datasets/languages/ into a generated language_data.cpp at configure time.

#include <cstddef>
#include <string_view>

namespace inoculab::eval::detail {

struct EmbeddedLanguage {
    std::string_view code;       // ISO 639-1
    std::string_view prose;      // datasets/languages/profile/CODE.txt
    std::string_view stopWords;  // datasets/languages/stopwords/CODE.txt
};

extern const EmbeddedLanguage kEmbeddedLanguages[];
extern const std::size_t kEmbeddedLanguageCount;

}  // namespace inoculab::eval::detail
