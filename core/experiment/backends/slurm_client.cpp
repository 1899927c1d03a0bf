#include "experiment/backends/slurm_client.h"

#include "common/command.h"

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace inoculab::experiment {

namespace {

// A word for a bash script, single-quoted: nothing inside is expanded.
std::string shellQuoted(const std::string &text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

common::CommandResult mustRun(const std::vector<std::string> &argv) {
    common::CommandResult r = common::runCommand(argv);
    if (r.exitCode != 0) {
        std::string line;
        for (const std::string &a : argv) line += (line.empty() ? "" : " ") + a;
        std::string said = r.err.empty() ? r.out : r.err;
        while (!said.empty() && said.back() == '\n') said.pop_back();
        throw std::runtime_error(argv[0] + " failed (exit " + std::to_string(r.exitCode) + "): " + said +
                                 "\n  command: " + line);
    }
    return r;
}

std::string joined(const std::set<std::string> &ids) {
    std::string out;
    for (const std::string &id : ids) out += (out.empty() ? "" : ",") + id;
    return out;
}

}  // namespace

std::optional<long> slurmTimeSeconds(const std::string &time) {
    long days = 0;
    std::string rest = time;
    const std::size_t dash = time.find('-');
    std::vector<long> parts;
    auto number = [](const std::string &s) -> std::optional<long> {
        long v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        // At most 10^9 of any unit: the sums below then stay far inside a long.
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0 || v > 1000000000L)
            return std::nullopt;
        return v;
    };
    if (dash != std::string::npos) {
        auto d = number(time.substr(0, dash));
        if (!d) return std::nullopt;
        days = *d;
        rest = time.substr(dash + 1);
    }
    std::stringstream in(rest);
    for (std::string part; std::getline(in, part, ':');) {
        auto v = number(part);
        if (!v) return std::nullopt;
        parts.push_back(*v);
    }
    if (parts.empty() || parts.size() > 3) return std::nullopt;
    if (dash != std::string::npos) {  // D-HH[:MM[:SS]]
        long s = parts[0] * 3600 + (parts.size() > 1 ? parts[1] * 60 : 0) + (parts.size() > 2 ? parts[2] : 0);
        return days * 86400 + s;
    }
    if (parts.size() == 1) return parts[0] * 60;              // MM
    if (parts.size() == 2) return parts[0] * 60 + parts[1];   // MM:SS
    return parts[0] * 3600 + parts[1] * 60 + parts[2];        // HH:MM:SS
}

void checkSlurmOptions(const SlurmOptions &o) {
    if (o.cpusPerTask < 1) throw std::invalid_argument("--cpus-per-task: expected at least 1");
    if (o.warningSeconds < 1 || o.warningSeconds > 65535)
        throw std::invalid_argument("--warning-seconds: expected 1 to 65535 (SLURM's --signal limit)");
    if (!o.time.empty()) {
        auto seconds = slurmTimeSeconds(o.time);
        if (!seconds || *seconds <= 0)
            throw std::invalid_argument("--time: \"" + o.time + "\" is not a SLURM time (e.g. 04:00:00 or 1-12)");
        // SLURM may send the signal up to a minute early; a warning that leaves the run no time
        // would requeue it forever without progress.
        if (*seconds < o.warningSeconds + 60)
            throw std::invalid_argument("--time " + o.time + " leaves less than a minute of training before the " +
                                        std::to_string(o.warningSeconds) +
                                        " s warning (--warning-seconds); give more time or a shorter warning");
    }
}

std::string slurmBatchScript(const SlurmWorkDir &dir, const std::string &cliPath, const SlurmOptions &options) {
    std::ostringstream s;
    s << "#!/bin/bash\n"
         "# One task of an Inoculab experiment on SLURM, written by inoculab-cli (docs/cluster.md).\n"
         "# Runs the run on line SLURM_ARRAY_TASK_ID+1 of the manifest ($1), appends its progress\n"
         "# events and log in the work folder, and records how it ended in status/LABEL.exit.\n"
         "set -u\n"
         "work="
      << shellQuoted(dir.root) << "\ncli=" << shellQuoted(cliPath) << "\nmax_requeues=" << options.maxRequeues
      << "\n"
         "if [ -n \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n"
         "    label=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$1\")\n"
         "    task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
         "else\n"
         "    label=$(sed -n 1p \"$1\")\n"
         "    task=\"$SLURM_JOB_ID\"\n"
         "fi\n"
         "if [ -z \"$label\" ]; then echo \"inoculab-task: no run for task $task in $1\" >&2; exit 2; fi\n"
         "attempt=$(( ${SLURM_RESTART_COUNT:-0} + 1 ))\n"
         "log=\"$work/logs/$label.log\"\n"
         "rm -f \"$work/status/$label.exit\"  # this attempt's ending replaces the last one's\n"
         "echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) task $task attempt $attempt on $(hostname)\" >> \"$log\"\n"
         "threads=${SLURM_CPUS_PER_TASK:-1}\n"
         "export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE\n"
         "warned=0\n"
         "interrupted=0\n"
         "\"$cli\" worker --job \"$work/jobs/$label.job.json\" --resume --progress jsonl \\\n"
         "    >> \"$work/events/$label.jsonl\" 2>> \"$log\" &\n"
         "pid=$!\n"
         "# The warning before the time limit (--signal=B:USR1): checkpoint, then requeue below.\n"
         "trap 'warned=1; interrupted=1; kill -TERM \"$pid\" 2>/dev/null' USR1\n"
         "# scancel, preemption, the time limit itself: checkpoint and stop.\n"
         "trap 'interrupted=1; kill -TERM \"$pid\" 2>/dev/null' TERM INT\n"
         "while :; do\n"
         "    interrupted=0\n"
         "    wait \"$pid\"\n"
         "    code=$?\n"
         "    # A trap ended the wait, not the worker: wait again (bash keeps a finished child's status).\n"
         "    [ \"$interrupted\" = 1 ] || break\n"
         "done\n"
         "if [ \"$warned\" = 1 ] && [ \"$code\" = 4 ]; then\n"
         "    if [ \"$attempt\" -le \"$max_requeues\" ]; then\n"
         "        echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) checkpointed before the time limit; requeued\" >> \"$log\"\n"
         "        scontrol requeue \"$task\" >> \"$log\" 2>&1 && exit 0\n"
         "        echo \"== the requeue was refused; the run resumes when submitted again\" >> \"$log\"\n"
         "    else\n"
         "        echo \"== $attempt attempts: not requeued again\" >> \"$log\"\n"
         "    fi\n"
         "fi\n"
         "echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) worker exited with code $code\" >> \"$log\"\n"
         "printf '%s %s %s\\n' \"$code\" \"$task\" \"$attempt\" > \"$work/status/$label.exit.tmp\" &&\n"
         "    mv -f \"$work/status/$label.exit.tmp\" \"$work/status/$label.exit\"\n"
         "exit \"$code\"\n";
    return s.str();
}

void SlurmClient::readConfig() {
    common::CommandResult r = mustRun({"scontrol", "show", "config"});
    if (auto value = configValue(r.out, "MaxArraySize")) {
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
        if (ec == std::errc() && n > 0) m_maxArraySize = n;
    }
    auto storage = configValue(r.out, "AccountingStorageType");
    m_accounting = storage && *storage != "accounting_storage/none" && !storage->empty();
}

std::string SlurmClient::submit(const SlurmWorkDir &dir, const std::string &manifest, std::size_t tasks,
                                const SlurmOptions &o, const std::string &jobName, bool pretrain,
                                const std::string &afterJob) {
    std::vector<std::string> argv{"sbatch", "--parsable", "--job-name", jobName, "--requeue", "--open-mode=append",
                                  "--signal=B:USR1@" + std::to_string(o.warningSeconds),
                                  "--cpus-per-task=" + std::to_string(o.cpusPerTask)};
    if (pretrain) {
        argv.push_back("--output=" + dir.root + "/logs/slurm-%j.out");
    } else {
        argv.push_back("--array=0-" + std::to_string(tasks - 1));
        argv.push_back("--output=" + dir.root + "/logs/slurm-%A_%a.out");
    }
    if (!o.partition.empty()) argv.push_back("--partition=" + o.partition);
    if (!o.gres.empty()) argv.push_back("--gres=" + o.gres);
    if (!o.time.empty()) argv.push_back("--time=" + o.time);
    if (!o.mem.empty()) argv.push_back("--mem=" + o.mem);
    if (!afterJob.empty()) {
        argv.push_back("--dependency=afterok:" + afterJob);
        argv.push_back("--kill-on-invalid-dep=yes");
    }
    argv.insert(argv.end(), o.extraArgs.begin(), o.extraArgs.end());
    argv.push_back(dir.batchScript());
    argv.push_back(manifest);
    return parseSbatchJobId(mustRun(argv).out);
}

std::map<std::string, QueueEntry> SlurmClient::queue(const std::set<std::string> &jobIds) const {
    if (jobIds.empty()) return {};
    // --states=all: also the tasks that ended in the last MinJobAge seconds. A job id squeue
    // has forgotten makes it fail ("Invalid job id"), so ask for each job on its own.
    std::map<std::string, QueueEntry> out;
    for (const std::string &id : jobIds) {
        common::CommandResult r = common::runCommand(
            {"squeue", "--noheader", "--array", "--states=all", "--jobs=" + id, "--format=%i|%T|%r|%N"});
        if (r.exitCode != 0) continue;
        for (auto &[task, entry] : parseSqueue(r.out)) out[task] = entry;
    }
    return out;
}

std::map<std::string, QueueEntry> SlurmClient::accounting(const std::set<std::string> &jobIds) const {
    if (jobIds.empty() || !m_accounting) return {};
    common::CommandResult r = common::runCommand({"sacct", "--noheader", "--parsable2", "--allocations",
                                                  "--jobs=" + joined(jobIds), "--format=JobID,State,ExitCode,NodeList"});
    if (r.exitCode != 0) return {};
    return parseSacct(r.out);
}

void SlurmClient::cancel(const std::vector<std::string> &taskIds) const {
    if (taskIds.empty()) return;
    std::vector<std::string> argv{"scancel"};
    argv.insert(argv.end(), taskIds.begin(), taskIds.end());
    mustRun(argv);
}

}  // namespace inoculab::experiment
