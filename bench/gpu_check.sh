#!/usr/bin/env bash
# GPU check: on a machine with an NVIDIA GPU and a CUDA build of PyTorch, builds the engine
# and inoculab_hf_train_bench against that PyTorch's libtorch (not Debian's CPU one), then
# times training of a GPT-2-124M and a Qwen2-0.5B shape (random weights), full and LoRA
# rank 16, against the same models written plainly in PyTorch (bench/hf_train/run.py), and
# appends a dated section to bench/hf_train/results-DATE.md. See docs/benchmarks.md.
#
# usage: bench/gpu_check.sh [--install-deps] [--no-build] [-- RUN.PY OPTIONS]
#   PYTHON=python3           the interpreter whose torch is used (default: python3 on PATH)
#   BUILD_DIR=build-gpu      the build folder (kept apart from build/, which uses Debian's libtorch)
#   --install-deps           apt-get the build dependencies of the engine (not Qt, not Debian's libtorch)
#   --no-build               reuse BUILD_DIR as it is (a second run after a change of options only)
# Options after -- go to run.py, e.g. -- --peak-tflops 989 --steps 20 --transformers off.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PYTHON=${PYTHON:-python3}
BUILD_DIR=${BUILD_DIR:-build-gpu}
install_deps=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --install-deps) install_deps=1 ;;
    --no-build) build=0 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
  shift
done

die() {
  echo >&2
  echo "gpu_check: FAILED: $*" >&2
  exit 1
}
step() { echo; echo "== $*"; }

# The engine's build dependencies only: the GUI, the test suites and Debian's libtorch are
# not needed here (the list is a subset of packaging/debian-packages.txt).
engine_packages=(cmake ninja-build g++ pkg-config libsqlite3-dev nlohmann-json3-dev libsimdjson-dev
                 libcli11-dev libssl-dev libboost-dev libpcre2-dev libicu-dev)
if [ "$install_deps" = 1 ]; then
  step "installing build dependencies: ${engine_packages[*]}"
  command -v apt-get >/dev/null || die "--install-deps needs apt-get; install the equivalents of: ${engine_packages[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${engine_packages[@]}"
fi

# 1. A GPU, and a torch that can use it. Checked first so that a machine without one fails
# in a second, not after a build.
step "GPU and PyTorch"
command -v nvidia-smi >/dev/null 2>&1 ||
  die "no nvidia-smi on PATH: this check needs a machine with an NVIDIA GPU and its driver. Nothing was built or measured."
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
[ -n "$gpu" ] || die "nvidia-smi lists no GPU (driver not loaded, or no device visible: check CUDA_VISIBLE_DEVICES). Nothing was built or measured."
echo "GPU: $gpu"
command -v "$PYTHON" >/dev/null 2>&1 || die "no $PYTHON: set PYTHON to an interpreter with a CUDA build of PyTorch"
"$PYTHON" - <<'EOF' || die "$PYTHON has no usable CUDA PyTorch (above). Install one (e.g. pip install torch) or set PYTHON=/path/to/python."
import sys
try:
    import torch
except ImportError as e:
    sys.exit("cannot import torch: %s" % e)
if torch.version.cuda is None:
    sys.exit("torch %s is a CPU-only build" % torch.__version__)
if not torch.cuda.is_available():
    sys.exit("torch %s (CUDA %s) sees no CUDA device" % (torch.__version__, torch.version.cuda))
print("torch %s, CUDA %s, device 0: %s" % (torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0)))
EOF
torch_prefix=$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)')
torch_lib=$("$PYTHON" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
# Wheels before torch 2.7 use the old std::string ABI; every object of the build must agree.
abi=$("$PYTHON" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
[ -f "$torch_prefix/Torch/TorchConfig.cmake" ] || die "no $torch_prefix/Torch/TorchConfig.cmake: this torch ships no libtorch CMake config"
echo "libtorch: $torch_prefix (C++11 ABI: $abi)"

# 2. Configure and build only the engine and the bench executable.
if [ "$build" = 1 ]; then
  step "configure $BUILD_DIR against $torch_prefix"
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cuda_args=()
  # Caffe2's CMake config of a CUDA torch looks for the CUDA toolkit (nvcc, headers).
  nvcc=$(command -v nvcc || true)
  for dir in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
    [ -z "$nvcc" ] && [ -n "$dir" ] && [ -x "$dir/bin/nvcc" ] && nvcc="$dir/bin/nvcc"
  done
  if [ -n "$nvcc" ]; then
    cuda_args=(-DCMAKE_CUDA_COMPILER="$nvcc" -DCUDAToolkit_ROOT="$(dirname "$(dirname "$nvcc")")")
    echo "CUDA toolkit: $nvcc"
  else
    echo "warning: no nvcc found (PATH, CUDA_HOME, /usr/local/cuda); CMake may not find the CUDA toolkit" >&2
  fi
  if [ -f "$BUILD_DIR/CMakeCache.txt" ] && ! grep -q "^Torch_DIR:PATH=$torch_prefix/Torch$" "$BUILD_DIR/CMakeCache.txt"; then
    echo "$BUILD_DIR was configured against another libtorch: starting it afresh"
    rm -rf "$BUILD_DIR"
  fi
  cmake -S . -B "$BUILD_DIR" "${generator[@]}" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DINOCULAB_BUILD_GUI=OFF -DINOCULAB_BUILD_TESTS=OFF \
      -DCMAKE_PREFIX_PATH="$torch_prefix" -DTorch_DIR="$torch_prefix/Torch" \
      -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$abi" \
      "${cuda_args[@]}" ||
    die "CMake could not configure $BUILD_DIR. Missing libraries: bench/gpu_check.sh --install-deps (Debian/Ubuntu; needs CMake >= 3.25 and nlohmann-json >= 3.11). A CUDA torch's CMake config also needs the CUDA toolkit of its major version (torch.version.cuda): install it or set CUDA_HOME."
  step "build inoculab_hf_train_bench"
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target inoculab_hf_train_bench || die "the build failed (above)"
fi
bench="$BUILD_DIR/bench/inoculab_hf_train_bench"
[ -x "$bench" ] || die "no $bench: run without --no-build"

# The bench must load this torch's libraries: Debian's libtorch (CPU) of the same soname
# would build and then see no GPU.
linked=$(ldd "$bench" | awk '/libtorch_cpu/ {print $3}')
case "$(readlink -f "$linked")" in
  "$(readlink -f "$torch_lib")"/*) echo "inoculab_hf_train_bench loads $linked" ;;
  *) die "inoculab_hf_train_bench loads libtorch_cpu from '${linked:-nowhere}', not from $torch_lib" ;;
esac
ldd "$bench" | grep -q libtorch_cuda ||
  echo "warning: inoculab_hf_train_bench does not link libtorch_cuda; it will report no CUDA device if so" >&2

# 3. The measurements (about 3-5 minutes on an H100 with the defaults).
step "hf_train: inoculab against PyTorch on $gpu"
"$PYTHON" bench/hf_train/run.py --bench "$bench" --python "$PYTHON" --device cuda "$@" ||
  die "bench/hf_train/run.py failed (above)"
