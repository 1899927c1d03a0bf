#!/usr/bin/env bash
# scripts/choose-libtorch.sh against fake installs: an explicit LIBTORCH (unzipped layout), a
# python3 whose torch is a CUDA build (pip layout, with and without the CUDA toolkit), a
# python3 whose torch is CPU only, no torch at all, TORCH=debian, and the refusals (no such
# folder, unsupported major version, pre-C++11 ABI). Each fake is what the real layout has
# that the script reads: TorchConfig.cmake, TorchConfigVersion.cmake, lib/libtorch_cuda.so.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
script="$here/scripts/choose-libtorch.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

debian=$(TORCH=debian "$script" 2>/dev/null)
[ -f "$debian/TorchConfig.cmake" ] || { echo "FAIL: TORCH=debian gave '$debian'"; exit 1; }

# fake_torch PREFIX VERSION ABI CUDA: PREFIX/share/cmake/Torch and PREFIX/lib as libtorch has them.
fake_torch() {
  mkdir -p "$1/share/cmake/Torch" "$1/lib"
  echo "set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=$3\")" >"$1/share/cmake/Torch/TorchConfig.cmake"
  echo "set(PACKAGE_VERSION \"$2\")" >"$1/share/cmake/Torch/TorchConfigVersion.cmake"
  touch "$1/lib/libtorch_cpu.so"
  [ "$4" = cuda ] && touch "$1/lib/libtorch_cuda.so"
  return 0
}
# A bin folder whose python3 answers the script's question as a torch install would; the
# others in it (nvcc) are added per case. The system's own tools stay reachable after it.
fake_python() {  # FOLDER ANSWER (empty: python3 without torch)
  mkdir -p "$1"
  if [ -n "$2" ]; then
    printf '#!/bin/sh\necho "%s"\n' "$2" >"$1/python3"
  else
    printf '#!/bin/sh\necho "ModuleNotFoundError: No module named torch" >&2\nexit 1\n' >"$1/python3"
  fi
  chmod +x "$1/python3"
}
# Only coreutils and friends, without any nvcc the machine has (/usr/local/cuda is not on it).
base_path=/usr/bin:/bin

# expect NAME WANT_RC WANT_OUT WANT_ERR_SUBSTRING -- env assignments...
expect() {
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 4
  local out err rc
  out=$(env -i HOME="$tmp" CUDA_HOME="$tmp/no-cuda" "$@" bash "$script" 2>"$tmp/err")
  rc=$?
  err=$(cat "$tmp/err")
  if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ] || [[ "$err" != *"$want_err"* ]]; then
    echo "FAIL: $name: rc $rc (want $want_rc), out '$out' (want '$want_out'), err '$err' (want '*$want_err*')"
    failures=$((failures + 1))
  else
    echo "ok: $name"
  fi
}

fake_torch "$tmp/libtorch" 2.6.0 1 cpu
fake_torch "$tmp/site/torch" 2.5.1 1 cuda
fake_torch "$tmp/old-abi" 2.3.0 0 cpu
fake_torch "$tmp/three" 3.0.0 1 cpu
fake_python "$tmp/cuda-py" "2.5.1+cu124 12.4 $tmp/site/torch/share/cmake"
fake_python "$tmp/cpu-py" "2.5.1+cpu None $tmp/site/torch/share/cmake"
fake_python "$tmp/no-torch-py" ""
mkdir -p "$tmp/nvcc" && printf '#!/bin/sh\n' >"$tmp/nvcc/nvcc" && chmod +x "$tmp/nvcc/nvcc"

expect "LIBTORCH, unzipped" 0 "$tmp/libtorch/share/cmake/Torch" "2.6.0 from" \
  PATH="$tmp/cuda-py:$tmp/nvcc:$base_path" LIBTORCH="$tmp/libtorch"
expect "LIBTORCH, the config folder itself" 0 "$tmp/libtorch/share/cmake/Torch" "LIBTORCH" \
  PATH="$base_path" LIBTORCH="$tmp/libtorch/share/cmake/Torch"
expect "python3's CUDA torch" 0 "$tmp/site/torch/share/cmake/Torch" "with CUDA 12.4" \
  PATH="$tmp/cuda-py:$tmp/nvcc:$base_path"
expect "python3's CUDA torch, CUDACXX instead of PATH" 0 "$tmp/site/torch/share/cmake/Torch" "with CUDA 12.4" \
  PATH="$tmp/cuda-py:$base_path" CUDACXX="$tmp/nvcc/nvcc"
expect "python3's CUDA torch without the CUDA toolkit" 1 "" "needs the CUDA toolkit (nvcc)" \
  PATH="$tmp/cuda-py:$base_path"
expect "python3's CPU torch: Debian's" 0 "$debian" "is a CPU build" \
  PATH="$tmp/cpu-py:$tmp/nvcc:$base_path"
expect "python3 without torch: Debian's" 0 "$debian" "no python3 on PATH has torch" \
  PATH="$tmp/no-torch-py:$base_path"
expect "TORCH=debian wins over LIBTORCH" 0 "$debian" "(TORCH=debian)" \
  PATH="$tmp/cuda-py:$tmp/nvcc:$base_path" LIBTORCH="$tmp/libtorch" TORCH=debian
expect "TORCH=other" 1 "" "the only value is debian" PATH="$base_path" TORCH=cuda
expect "LIBTORCH, no such folder" 1 "" "LIBTORCH=$tmp/missing: no TorchConfig.cmake" \
  PATH="$base_path" LIBTORCH="$tmp/missing"
expect "LIBTORCH 3.x" 1 "" "libtorch 3.0.0 is not supported" PATH="$base_path" LIBTORCH="$tmp/three"
expect "LIBTORCH, pre-C++11 ABI" 1 "" "pre-C++11 ABI" PATH="$base_path" LIBTORCH="$tmp/old-abi"

[ "$failures" -eq 0 ] || { echo "$failures case(s) failed"; exit 1; }
