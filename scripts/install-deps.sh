#!/usr/bin/env bash
# Installs the Debian packages listed in packaging/debian-packages.txt that are not
# installed yet. Quiet and quick when nothing is missing, so every make target can call it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/packaging/debian-packages.txt"

# A line is "name" or "name [codename]"; the second only counts on that Debian release.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mapfile -t wanted < <(sed -e 's/#.*//' "$list" | awk -v release="$codename" '
  NF == 1 { print $1 }
  NF == 2 && $2 == "[" release "]" { print $1 }
  NF > 2 || (NF == 2 && $2 !~ /^\[[a-z]+\]$/) { print "bad line in packaging/debian-packages.txt: " $0 > "/dev/stderr"; exit 1 }')
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
# npm installs the tokenizer reference encoders (tests/reference/tokenizers). NodeSource's
# nodejs bundles it and conflicts with Debian's npm package; Debian's nodejs needs that one.
if ! command -v npm >/dev/null; then missing+=(npm); fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "error: not root and sudo is not installed; as root run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
