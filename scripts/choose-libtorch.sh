#!/usr/bin/env bash
# Decides which libtorch the build links (README, "Training on an NVIDIA GPU"). Prints the
# folder that holds its TorchConfig.cmake (CMake's Torch_DIR) on stdout and one line on
# stderr saying which it is and why. In this order:
#   TORCH=debian   Debian's libtorch (libtorch-dev), whatever else is set
#   LIBTORCH=DIR   an unzipped libtorch, or any folder with share/cmake/Torch
#   python3        the torch of the python3 on PATH, when it is a CUDA build (pip, conda, uv)
#   otherwise      Debian's
# A choice that cannot build (no such folder, an unsupported major version, the pre-C++11
# ABI, a CUDA build without the CUDA toolkit its CMake config needs) stops here, exit 1,
# with one sentence saying what to install or set.
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 1
}

debian_dir() {
  local d
  for d in /usr/lib/*/cmake/Torch /usr/lib/cmake/Torch /usr/share/cmake/Torch; do
    [ -f "$d/TorchConfig.cmake" ] && { echo "$d"; return; }
  done
  fail "Debian's libtorch is not installed: run make deps (apt-get install libtorch-dev)"
}

# The folder with TorchConfig.cmake under what the user named: the folder itself, or its
# share/cmake/Torch (an unzipped libtorch) or Torch (torch.utils.cmake_prefix_path).
config_dir_in() {
  local d
  for d in "$1" "$1/share/cmake/Torch" "$1/Torch"; do
    [ -f "$d/TorchConfig.cmake" ] && { (cd "$d" && pwd); return; }
  done
  return 1
}

version_of() {  # PACKAGE_VERSION from TorchConfigVersion.cmake, "" when absent
  sed -n 's/^set(PACKAGE_VERSION "\([^"]*\)").*/\1/p' "$1/TorchConfigVersion.cmake" 2>/dev/null | head -n 1
}

# The library folder beside the config: <prefix>/share/cmake/Torch -> <prefix>/lib.
is_cuda_build() {
  local lib
  lib=$(cd "$1/../../.." 2>/dev/null && pwd)/lib
  compgen -G "$lib/libtorch_cuda*.so*" >/dev/null || compgen -G "$lib/libc10_cuda.so*" >/dev/null
}

has_cuda_toolkit() {
  [ -n "${CUDACXX:-}" ] && [ -x "${CUDACXX}" ] && return 0
  command -v nvcc >/dev/null && return 0
  [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]
}

# Refuses what the code cannot build with; $1 the config folder, $2 where it came from.
check() {
  local dir=$1 from=$2 version
  version=$(version_of "$dir")
  case "$version" in
    1.13*|2.*) ;;
    "") fail "$from: $dir has no TorchConfigVersion.cmake, so its libtorch version is unknown; point LIBTORCH at an unzipped libtorch 2.x" ;;
    *) fail "$from: libtorch $version is not supported (Inoculab builds against 1.13 and 2.x); install a 2.x one, or set TORCH=debian" ;;
  esac
  if grep -q '_GLIBCXX_USE_CXX11_ABI=0' "$dir/TorchConfig.cmake"; then
    fail "$from: libtorch $version uses the pre-C++11 ABI, which cannot link with Debian's Qt and libraries; use the cxx11 ABI download (libtorch-cxx11-abi-shared-with-deps) or torch >= 2.7 from pip"
  fi
  if is_cuda_build "$dir" && ! has_cuda_toolkit; then
    fail "$from: libtorch $version is a CUDA build and its CMake config needs the CUDA toolkit (nvcc); install NVIDIA's CUDA toolkit (or Debian's nvidia-cuda-toolkit) and put nvcc on PATH or set CUDACXX, or set TORCH=debian"
  fi
  echo "$version"
}

# The choice: the folder on stdout, which it is and why on stderr.
chosen() {
  echo "libtorch: $2" >&2
  echo "$1"
  exit 0
}

if [ "${TORCH:-}" = debian ]; then
  dir=$(debian_dir)
  chosen "$dir" "Debian's $(version_of "$dir") (TORCH=debian)"
fi
[ -n "${TORCH:-}" ] && fail "TORCH=$TORCH: the only value is debian (to name a libtorch folder, set LIBTORCH=DIR)"

if [ -n "${LIBTORCH:-}" ]; then
  dir=$(config_dir_in "$LIBTORCH") ||
    fail "LIBTORCH=$LIBTORCH: no TorchConfig.cmake there, in share/cmake/Torch or in Torch; point it at an unzipped libtorch"
  version=$(check "$dir" "LIBTORCH=$LIBTORCH")
  chosen "$dir" "$version from $dir (LIBTORCH)"
fi

# The python3 on PATH, asked for its torch in one line: version, CUDA version (None for a
# CPU build) and the CMake prefix it ships.
if command -v python3 >/dev/null &&
   info=$(python3 -c 'import torch, torch.utils; print(torch.__version__, torch.version.cuda, torch.utils.cmake_prefix_path)' 2>/dev/null); then
  read -r py_version py_cuda py_prefix <<<"$info"
  if [ "$py_cuda" != None ]; then
    dir=$(config_dir_in "$py_prefix") ||
      fail "the torch $py_version of $(command -v python3) (CUDA $py_cuda) has no CMake config under $py_prefix; reinstall it with pip or conda, or set TORCH=debian"
    version=$(check "$dir" "python3's torch $py_version")
    chosen "$dir" "$version with CUDA $py_cuda from $(command -v python3)'s torch ($dir)"
  fi
  why="the torch of $(command -v python3) is a CPU build"
else
  why="no python3 on PATH has torch"
fi
dir=$(debian_dir)
chosen "$dir" "Debian's $(version_of "$dir"), CPU only ($why; LIBTORCH=DIR or a CUDA torch in python3 trains on a GPU)"
