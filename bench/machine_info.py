"""What machine a benchmark ran on, for its report: shared by the bench/*/run.py scripts."""
import os
import platform
import subprocess


def machine(build_dir):
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    with open("/proc/cpuinfo") as f:
        info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    info["os"] = platform.freedesktop_os_release().get("PRETTY_NAME", "?")
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            cache = dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith(("#", "//")))
        info["build_type"] = cache.get("CMAKE_BUILD_TYPE:STRING", "?")
        compiler = cache.get("CMAKE_CXX_COMPILER:FILEPATH") or cache.get("CMAKE_CXX_COMPILER:STRING", "c++")
        info["compiler"] = subprocess.run([compiler, "--version"], capture_output=True,
                                          text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    return info
