#include "worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char **environ;

namespace inoculab::cli {

std::string workerExecutable() {
    if (const char *env = std::getenv("INOCULAB_WORKER"); env && *env) return env;
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "inoculab-worker";
    return (self.parent_path() / "inoculab-worker").string();
}

std::vector<std::string> workerThreadEnv(int threads) {
    return {"OPENBLAS_NUM_THREADS=" + std::to_string(threads), "OMP_NUM_THREADS=" + std::to_string(threads),
            "OMP_WAIT_POLICY=PASSIVE"};
}

WorkerProcess::WorkerProcess(const std::vector<std::string> &args, const std::string &logFile,
                             const std::vector<std::string> &extraEnv)
    : m_log(logFile) {
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    std::string exe = workerExecutable();
    std::vector<std::string> argStrings{exe};
    argStrings.insert(argStrings.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &a : argStrings) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The extra entries replace same-named ones: getenv() takes the first of a name, so an
    // OPENBLAS_NUM_THREADS or CUDA_VISIBLE_DEVICES of the user's would otherwise win.
    auto nameOf = [](const std::string &entry) { return entry.substr(0, entry.find('=') + 1); };
    std::vector<std::string> envStrings;
    for (char **e = environ; *e; ++e) {
        std::string entry(*e);
        bool replaced = std::any_of(extraEnv.begin(), extraEnv.end(),
                                    [&](const std::string &extra) { return nameOf(extra) == nameOf(entry); });
        if (!replaced) envStrings.push_back(std::move(entry));
    }
    envStrings.insert(envStrings.end(), extraEnv.begin(), extraEnv.end());
    std::vector<char *> envp;
    for (std::string &e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);

    int rc = posix_spawn(&m_pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (rc != 0) {
        ::close(pipeFds[0]);
        throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
    }
    m_stdout = pipeFds[0];
    ::fcntl(m_stdout, F_SETFL, ::fcntl(m_stdout, F_GETFL) | O_NONBLOCK);
}

WorkerProcess::~WorkerProcess() {
    if (m_pid > 0 && !m_status) {  // never leave an orphan training behind
        // SIGTERM lets the worker finish its step and checkpoint; its event writes after we
        // close the pipe fail harmlessly (it ignores SIGPIPE). One that does not stop within
        // the grace period is killed.
        ::kill(m_pid, SIGTERM);
        if (m_stdout >= 0) ::close(m_stdout), m_stdout = -1;
        constexpr int kGraceMilliseconds = 60'000, kPollMilliseconds = 50;
        int status = 0;
        for (int waited = 0; ::waitpid(m_pid, &status, WNOHANG) == 0; waited += kPollMilliseconds) {
            if (waited >= kGraceMilliseconds) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            ::usleep(kPollMilliseconds * 1000);
        }
    }
    if (m_stdout >= 0) ::close(m_stdout);
}

std::vector<std::string> WorkerProcess::readLines() {
    std::vector<std::string> lines;
    if (m_stdout < 0) return lines;
    char chunk[65536];
    for (;;) {
        ssize_t n = ::read(m_stdout, chunk, sizeof chunk);
        if (n > 0) {
            m_buffer.append(chunk, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {  // end of output
            ::close(m_stdout);
            m_stdout = -1;
        }
        break;  // EAGAIN: nothing more now
    }
    std::size_t start = 0, end;
    while ((end = m_buffer.find('\n', start)) != std::string::npos) {
        lines.push_back(m_buffer.substr(start, end - start));
        start = end + 1;
    }
    m_buffer.erase(0, start);
    if (m_stdout < 0 && !m_buffer.empty()) lines.push_back(std::move(m_buffer)), m_buffer.clear();
    return lines;
}

int WorkerProcess::wait() {
    if (m_status) return *m_status;
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *m_status;
}

int WorkerProcess::followEvents(const common::CancelToken &cancel,
                                const std::function<void(nlohmann::json &)> &onEvent, bool &stopped) {
    stopped = false;
    while (!finishedOutput()) {
        if (cancel.isCancelled() && !stopped) terminate(), stopped = true;
        pollfd fd{stdoutFd(), POLLIN, 0};
        ::poll(&fd, 1, 100);
        for (const std::string &line : readLines()) {
            nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
            if (event.is_object()) onEvent(event);
        }
    }
    return wait();
}

void WorkerProcess::terminate() {
    if (m_pid > 0 && !m_status) ::kill(m_pid, SIGTERM);
}

std::string WorkerProcess::logTail(std::size_t count) const {
    std::ifstream in(m_log);
    std::deque<std::string> last;
    std::string line;
    while (std::getline(in, line)) {
        last.push_back(line);
        if (last.size() > count) last.pop_front();
    }
    std::string out;
    for (const std::string &l : last) out += "  " + l + "\n";
    return out;
}

}  // namespace inoculab::cli
