#pragma once
// The toy world's templates: texts with placeholders ("{a} is {value}.") parsed into literal
// pieces and slots, checked against the placeholders each kind of text may use.
#include "experiment/spec_reader.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inoculab::experiment::toy {

enum class Slot { A, The, Name, Value, ValueM, ValueF, Number, X, Y, Sum, XWord, YWord, SumWord };

inline constexpr std::pair<std::string_view, Slot> kSlotNames[] = {{"a", Slot::A},
                                                            {"the", Slot::The},
                                                            {"name", Slot::Name},
                                                            {"value", Slot::Value},
                                                            {"value_m", Slot::ValueM},
                                                            {"value_f", Slot::ValueF},
                                                            {"number", Slot::Number},
                                                            {"x", Slot::X},
                                                            {"y", Slot::Y},
                                                            {"sum", Slot::Sum},
                                                            {"x_word", Slot::XWord},
                                                            {"y_word", Slot::YWord},
                                                            {"sum_word", Slot::SumWord}};

std::string_view slotName(Slot slot);

struct Piece {
    std::string literal;  // used when !slot
    std::optional<Slot> slot;
};

struct Template {
    std::vector<Piece> pieces;

    bool uses(Slot slot) const {
        return std::any_of(pieces.begin(), pieces.end(), [&](const Piece &p) { return p.slot == slot; });
    }
};

std::string slotList(const std::vector<Slot> &slots);  // "{a}, {the}"

// Parses "{a} is {value}." into pieces. `allowed` are the placeholders this text may use;
// `required` is a list of groups, each of which must have one member in the text.
std::optional<Template> parseTemplate(const std::string &text, const std::string &path, ProblemList &problems,
                                      const std::vector<Slot> &allowed,
                                      const std::vector<std::pair<std::vector<Slot>, std::string>> &required);

}  // namespace inoculab::experiment::toy
