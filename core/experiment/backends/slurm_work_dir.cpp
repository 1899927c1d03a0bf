#include "experiment/backends/slurm_work_dir.h"

#include "common/input_error.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace inoculab::experiment {

namespace fs = std::filesystem;

std::string runFileLabel(const std::string &condition, std::uint64_t seed) {
    static const char *hex = "0123456789ABCDEF";
    std::string label;
    for (unsigned char c : condition) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '_' || c == '-';
        if (plain) {
            label += static_cast<char>(c);
        } else {
            label += '%';
            label += hex[c >> 4];
            label += hex[c & 15];
        }
    }
    // A leading dot would hide the files; "pretrain" is the base model's label.
    if (!label.empty() && label[0] == '.') label = "%2E" + label.substr(1);
    return label + "-seed" + std::to_string(seed);
}

SlurmWorkDir::SlurmWorkDir(const std::string &dir) : root(fs::absolute(dir).lexically_normal().string()) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
}

void SlurmWorkDir::createFolders() const {
    for (const char *sub : {"cache", "jobs", "results", "events", "logs", "status", "submissions"})
        fs::create_directories(fs::path(root) / sub);
}

std::string SlurmWorkDir::cache() const { return root + "/cache"; }
std::string SlurmWorkDir::batchScript() const { return root + "/inoculab-task.sh"; }
std::string SlurmWorkDir::jobFile(const std::string &label) const { return root + "/jobs/" + label + ".job.json"; }
std::string SlurmWorkDir::resultFile(const std::string &label) const {
    return root + "/results/" + label + ".sqlite";
}
std::string SlurmWorkDir::eventsFile(const std::string &label) const { return root + "/events/" + label + ".jsonl"; }
std::string SlurmWorkDir::logFile(const std::string &label) const { return root + "/logs/" + label + ".log"; }
std::string SlurmWorkDir::exitFile(const std::string &label) const { return root + "/status/" + label + ".exit"; }
std::string SlurmWorkDir::submissionsLog() const { return root + "/submissions.jsonl"; }
std::string SlurmWorkDir::manifest(std::size_t submission) const {
    return root + "/submissions/" + std::to_string(submission) + ".tasks";
}

std::optional<ExitRecord> parseExitRecord(const std::string &text, const std::string &fileName) {
    std::istringstream in(text);
    std::string code, job, attempt, extra;
    in >> code >> job >> attempt >> extra;
    ExitRecord record;
    auto number = [&](const std::string &field, int &out, const char *what) {
        auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
        if (ec != std::errc() || end != field.data() + field.size() || out < 0)
            throw common::InputError(fileName, 1, std::string(what) + ": expected a non-negative integer, not \"" +
                                                      field.substr(0, 40) + "\"");
    };
    if (code.empty() || job.empty() || attempt.empty() || !extra.empty())
        throw common::InputError(fileName, 1, "expected \"EXIT_CODE JOB_ID ATTEMPT\"");
    number(code, record.code, "exit code");
    number(attempt, record.attempt, "attempt");
    if (job.size() > 64 || job.find_first_not_of("0123456789_") != std::string::npos)
        throw common::InputError(fileName, 1, "job id: expected SLURM's digits and _, not \"" + job.substr(0, 40) + "\"");
    record.jobId = job;
    return record;
}

std::optional<ExitRecord> readExitRecord(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text(256, '\0');  // a record is one short line: more is not a record
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() == 256) throw common::InputError(path, 1, "too long for an exit record");
    return parseExitRecord(text, path);
}

std::vector<Submission> parseSubmissions(const std::string &text, const std::string &fileName) {
    std::vector<Submission> out;
    std::istringstream in(text);
    std::uint64_t lineNumber = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineNumber;
        if (line.empty()) continue;
        nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
        auto fail = [&](const std::string &why) { throw common::InputError(fileName, lineNumber, why); };
        if (!doc.is_object()) fail("expected a JSON object");
        Submission s;
        if (!doc.contains("job") || !doc["job"].is_string() || doc["job"].get<std::string>().empty())
            fail("job: expected SLURM's job id");
        s.jobId = doc["job"].get<std::string>();
        if (s.jobId.find_first_not_of("0123456789") != std::string::npos) fail("job: expected digits");
        if (doc.contains("pretrain")) {
            if (!doc["pretrain"].is_boolean()) fail("pretrain: expected true or false");
            s.pretrain = doc["pretrain"].get<bool>();
        }
        if (!doc.contains("runs") || !doc["runs"].is_array()) fail("runs: expected an array of run labels");
        for (const nlohmann::json &label : doc["runs"]) {
            if (!label.is_string() || label.get<std::string>().empty() ||
                label.get<std::string>().find('/') != std::string::npos)
                fail("runs: expected run labels (file names)");
            s.labels.push_back(label.get<std::string>());
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<Submission> readSubmissions(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::stringstream text;
    text << in.rdbuf();
    return parseSubmissions(text.str(), path);
}

void appendSubmission(const std::string &path, const Submission &submission) {
    nlohmann::json doc = {{"job", submission.jobId}, {"runs", submission.labels}};
    if (submission.pretrain) doc["pretrain"] = true;
    const std::string line = doc.dump() + "\n";
    // One write() of a whole line to an O_APPEND file: a reader never sees half a line.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw common::InputError(path, 0, std::string("cannot record the submission: ") + std::strerror(errno));
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int error = errno;
    ::fsync(fd);
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size()))
        throw common::InputError(path, 0, std::string("cannot record the submission: ") + std::strerror(error));
}

std::string arrayTaskId(const std::string &arrayJobId, std::size_t index) {
    return arrayJobId + "_" + std::to_string(index);
}

}  // namespace inoculab::experiment
