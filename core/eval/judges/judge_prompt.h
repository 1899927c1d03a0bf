#pragma once
// A judge's prompt: a template with the placeholders {question} and {answer}, filled in once
// per evaluation answer.

#include <string>
#include <string_view>
#include <vector>

namespace inoculab::eval {

// What is wrong with a template, one reason a line; empty when it can be used. A template must
// hold {question} and {answer}; any other {word} is refused as a misspelt placeholder (braces
// around anything else, a JSON example say, are text).
std::vector<std::string> judgeTemplateProblems(std::string_view templateText);

// The template with every {question} and {answer} replaced in one pass: a question or answer
// that itself contains "{answer}" is copied as it is, never substituted again.
std::string renderJudgePrompt(std::string_view templateText, std::string_view question, std::string_view answer);

}  // namespace inoculab::eval
