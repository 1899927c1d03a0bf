#!/usr/bin/env bash
# Configures the build folder ($1, CMake preset $2) against the libtorch that
# scripts/choose-libtorch.sh picks. The folder remembers its libtorch (Torch_DIR in its
# CMakeCache.txt): when the choice changes (another LIBTORCH, a CUDA torch installed in
# python3, TORCH=debian) it is configured afresh, since every object that includes torch must
# be rebuilt against the new one.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$1
preset=${2:-default}
torch_dir=$("$here/scripts/choose-libtorch.sh")
cache="$build/CMakeCache.txt"
was=$(sed -n 's/^Torch_DIR:[A-Z]*=//p' "$cache" 2>/dev/null || true)
if [ -f "$build/build.ninja" ] && [ "$was" = "$torch_dir" ]; then
  exit 0
fi
fresh=()
if [ -f "$cache" ]; then
  echo "libtorch changed (was ${was:-unknown}): configuring $build afresh" >&2
  fresh=(--fresh)
fi
cmake --preset "$preset" "${fresh[@]}" -DTorch_DIR="$torch_dir"
