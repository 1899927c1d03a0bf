#include "experiment/backends/slurm_queue.h"

#include <sstream>
#include <stdexcept>
#include <vector>

namespace inoculab::experiment {

namespace {

std::vector<std::string> splitFields(const std::string &line, char separator) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, separator)) fields.push_back(field);
    if (!line.empty() && line.back() == separator) fields.emplace_back();
    return fields;
}

bool isTaskId(const std::string &id) {
    return !id.empty() && id.size() <= 64 && id.find_first_not_of("0123456789_") == std::string::npos &&
           id.front() != '_';
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
    std::size_t start = s.find_first_not_of(" \t");
    return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

std::map<std::string, QueueEntry> parseSqueue(const std::string &text) {
    std::map<std::string, QueueEntry> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> f = splitFields(trimmed(line), '|');
        if (f.size() != 4 || !isTaskId(f[0])) continue;
        QueueEntry e;
        e.state = f[1];
        e.reason = f[2] == "None" ? "" : f[2];
        e.node = f[3];
        out[f[0]] = e;
    }
    return out;
}

std::map<std::string, QueueEntry> parseSacct(const std::string &text) {
    std::map<std::string, QueueEntry> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> f = splitFields(trimmed(line), '|');
        if (f.size() != 4 || !isTaskId(f[0])) continue;
        QueueEntry e;
        e.state = f[1].substr(0, f[1].find(' '));  // "CANCELLED by 1000"
        e.exitCode = f[2];
        e.node = f[3] == "None assigned" ? "" : f[3];
        out[f[0]] = e;
    }
    return out;
}

std::optional<std::string> configValue(const std::string &config, const std::string &name) {
    std::istringstream in(config);
    for (std::string line; std::getline(in, line);) {
        const std::size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        if (trimmed(line.substr(0, eq)) == name) return trimmed(line.substr(eq + 1));
    }
    return std::nullopt;
}

std::string parseSbatchJobId(const std::string &text) {
    std::string id = trimmed(text.substr(0, text.find_first_of(";\n")));
    if (id.empty() || id.size() > 20 || id.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("sbatch did not answer with a job id: \"" + trimmed(text).substr(0, 200) + "\"");
    return id;
}

std::string_view clusterRunStateName(ClusterRunState state) {
    switch (state) {
        case ClusterRunState::Done: return "done";
        case ClusterRunState::Pending: return "pending";
        case ClusterRunState::Running: return "running";
        case ClusterRunState::Requeued: return "requeued";
        case ClusterRunState::Cancelled: return "cancelled";
        case ClusterRunState::Timeout: return "timeout";
        case ClusterRunState::Failed: return "failed";
        case ClusterRunState::Lost: return "lost";
        case ClusterRunState::NotSubmitted: return "not submitted";
    }
    return "lost";
}

bool isFinal(ClusterRunState state) {
    return state == ClusterRunState::Done || state == ClusterRunState::Cancelled ||
           state == ClusterRunState::Timeout || state == ClusterRunState::Failed || state == ClusterRunState::Lost;
}

ClusterRunStatus decideRunStatus(bool resultPublished, const std::string &jobId,
                                 const std::optional<ExitRecord> &exitRecord, const std::optional<QueueEntry> &queue,
                                 const std::optional<QueueEntry> &accounting) {
    ClusterRunStatus s;
    s.jobId = jobId;
    if (resultPublished) {
        s.state = ClusterRunState::Done;
        return s;
    }
    if (jobId.empty()) return s;  // NotSubmitted
    // Alive in the queue: SLURM knows best, and an exit record is from an earlier attempt.
    auto alive = [&](const QueueEntry &q) -> std::optional<ClusterRunStatus> {
        ClusterRunStatus live = s;
        live.slurmState = q.state;
        if (q.state == "PENDING" || q.state == "REQUEUE_HOLD" || q.state == "SUSPENDED") {
            live.state = exitRecord ? ClusterRunState::Requeued : ClusterRunState::Pending;
            live.detail = q.reason;
        } else if (q.state == "RUNNING" || q.state == "CONFIGURING" || q.state == "COMPLETING" ||
                   q.state == "STAGE_OUT" || q.state == "SIGNALING" || q.state == "RESIZING") {
            live.state = ClusterRunState::Running;
            live.detail = q.node;
        } else if (q.state == "REQUEUED" || q.state == "REQUEUE_FED" || q.state == "RESV_DEL_HOLD") {
            live.state = ClusterRunState::Requeued;
            live.detail = q.reason;
        } else {
            return std::nullopt;
        }
        return live;
    };
    if (queue)
        if (auto live = alive(*queue)) return *live;
    if (exitRecord) {
        if (queue) s.slurmState = queue->state;
        else if (accounting) s.slurmState = accounting->state;
        // 4: the worker checkpointed and stopped (scancel, or the time limit's SIGTERM).
        if (exitRecord->code == 4) {
            const bool timedOut = (queue && queue->state == "TIMEOUT") || (accounting && accounting->state == "TIMEOUT");
            s.state = timedOut ? ClusterRunState::Timeout : ClusterRunState::Cancelled;
            if ((queue && queue->state == "PREEMPTED") || (accounting && accounting->state == "PREEMPTED"))
                s.detail = "preempted, not requeued";
        } else if (exitRecord->code == 0) {
            // Exited cleanly without publishing: only a worker that found its run already done.
            s.state = ClusterRunState::Failed;
            s.detail = "the worker exited without a result file";
        } else {
            s.state = ClusterRunState::Failed;
            s.detail = "exit code " + std::to_string(exitRecord->code);
        }
        return s;
    }
    const std::optional<QueueEntry> &final = queue ? queue : accounting;
    if (!final) {
        s.state = ClusterRunState::Lost;
        s.detail = "no result file, no exit record, and SLURM no longer lists the task";
        return s;
    }
    if (auto live = alive(*final)) return *live;
    const std::string &st = final->state;
    s.slurmState = st;
    if (st == "CANCELLED" || st == "PREEMPTED") {
        s.state = ClusterRunState::Cancelled;
        if (st == "PREEMPTED") s.detail = "preempted, not requeued";
    } else if (st == "TIMEOUT" || st == "DEADLINE") {
        s.state = ClusterRunState::Timeout;
    } else {
        // COMPLETED without a result file or exit record, FAILED, NODE_FAIL, OUT_OF_MEMORY,
        // BOOT_FAIL: the batch script did not get to record an exit.
        s.state = ClusterRunState::Failed;
        s.detail = st + (final->exitCode.empty() ? "" : " (exit " + final->exitCode + ")");
        if (!final->node.empty()) s.detail += " on " + final->node;
    }
    return s;
}

}  // namespace inoculab::experiment
