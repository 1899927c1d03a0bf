#include "eval/judges/judge_prompt.h"

namespace inoculab::eval {

namespace {

constexpr std::string_view kQuestion = "{question}";
constexpr std::string_view kAnswer = "{answer}";

bool isWordChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// The length of a placeholder-like "{word}" at `at`, or 0.
std::size_t placeholderLength(std::string_view text, std::size_t at) {
    if (text[at] != '{') return 0;
    std::size_t end = at + 1;
    while (end < text.size() && isWordChar(text[end])) ++end;
    if (end == at + 1 || end >= text.size() || text[end] != '}') return 0;
    return end + 1 - at;
}

}  // namespace

std::vector<std::string> judgeTemplateProblems(std::string_view templateText) {
    std::vector<std::string> problems;
    bool question = false, answer = false;
    for (std::size_t i = 0; i < templateText.size(); ++i) {
        std::size_t length = placeholderLength(templateText, i);
        if (length == 0) continue;
        std::string_view word = templateText.substr(i, length);
        if (word == kQuestion)
            question = true;
        else if (word == kAnswer)
            answer = true;
        else
            problems.push_back("unknown placeholder " + std::string(word) + " (only {question} and {answer} are filled in)");
        i += length - 1;
    }
    if (!question) problems.emplace_back("has no {question} placeholder");
    if (!answer) problems.emplace_back("has no {answer} placeholder");
    return problems;
}

std::string renderJudgePrompt(std::string_view templateText, std::string_view question, std::string_view answer) {
    std::string out;
    out.reserve(templateText.size() + question.size() + answer.size());
    for (std::size_t i = 0; i < templateText.size();) {
        if (templateText.compare(i, kQuestion.size(), kQuestion) == 0) {
            out += question;
            i += kQuestion.size();
        } else if (templateText.compare(i, kAnswer.size(), kAnswer) == 0) {
            out += answer;
            i += kAnswer.size();
        } else {
            out += templateText[i++];
        }
    }
    return out;
}

}  // namespace inoculab::eval
