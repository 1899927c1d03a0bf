// Runs a command and records its peak resident memory as the kernel counts it.
//
// Why not just wait4() from run.py: Linux carries a process's peak RSS across exec, so a
// child spawned by a Python runner starts with the runner's own peak (~14 MB) and small
// programs all read the same. Forked from this small program instead, the floor is this
// program's footprint (~2-4 MB), well under anything we measure.
//
// usage: inoculab_peak_rss RESULT_FILE CMD [ARGS...]
//   CMD keeps our stdin/stdout/stderr. RESULT_FILE gets one JSON object; we exit with
//   CMD's exit code (128 + signal if it was killed).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s RESULT_FILE CMD [ARGS...]\n", argv[0]);
        return 125;
    }
    pid_t pid = fork();  // not vfork/posix_spawn: those would hand the child our peak, too
    if (pid < 0) {
        std::perror("fork");
        return 125;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        std::fprintf(stderr, "%s: %s\n", argv[2], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage usage {};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::perror("wait4");
            return 125;
        }
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::FILE *out = std::fopen(argv[1], "w");
    if (!out) {
        std::perror(argv[1]);
        return 125;
    }
    std::fprintf(out, "{\"peak_rss_bytes\": %lld, \"exit_code\": %d, \"user_s\": %.3f, \"sys_s\": %.3f}\n",
                 static_cast<long long>(usage.ru_maxrss) * 1024, code,
                 usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
                 usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
    std::fclose(out);
    return code;
}
