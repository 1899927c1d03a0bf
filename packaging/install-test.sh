#!/usr/bin/env bash
# The package as an admin meets it: lintian finds no error or warning, `apt-get install` puts it
# in /usr, the installed programs work from /usr/bin alone with the installed data (version,
# toy world, a smoke experiment end to end, a headless figure export), and `apt-get remove`
# leaves nothing of it in /usr. Needs root (apt-get); `make package-test` runs it, and CI.
#   packaging/install-test.sh build/inoculab_<version>_<arch>.deb
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
deb=$(realpath "${1:?usage: install-test.sh PACKAGE.deb}")
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test.sh: needs root (apt-get install); run it with sudo" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install-test: FAIL: $*" >&2; exit 1; }

echo "== lintian $(basename "$deb")"
# Errors and warnings fail; the infos that remain are listed with why in packaging/README.md.
status=0
lintian --fail-on error,warning --info "$deb" >"$work/lintian.txt" 2>&1 || status=$?
grep -v "^running with root privileges" "$work/lintian.txt" || true
[ $status -eq 0 ] || fail "lintian found errors or warnings"
echo "== size $(du -h "$deb" | cut -f1), $(dpkg-deb -f "$deb" Depends)"

echo "== apt-get install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
mapfile -t files < <(dpkg -L inoculab)

# From here on only what the package installed: no build folder on PATH, no source tree data.
export PATH=/usr/bin:/bin HOME="$work/home" QT_QPA_PLATFORM=offscreen
unset INOCULAB_DATA_DIR INOCULAB_WORKER XDG_CACHE_HOME XDG_DATA_HOME
mkdir -p "$HOME"
cd "$work"
for program in inoculab inoculab-cli inoculab-worker; do
  [ "$(command -v $program)" = "/usr/bin/$program" ] || fail "$program is not /usr/bin/$program"
  version=$($program --version)
  echo "$version"
  [[ "$version" == *libtorch* ]] || fail "$program --version does not name its libtorch"
done

info=$(inoculab-cli toyworld info --json)
grep -q '/usr/share/inoculab/toyworld' <<<"$info" || fail "toyworld info does not read /usr/share/inoculab: $info"

echo "== smoke experiment"
cp "$here/tests/cli/data/smoke-experiment.json" smoke.json
inoculab-cli experiment run smoke.json --store "$work/results.sqlite" --cache "$work/cache" --progress none
inoculab-cli results summary --store "$work/results.sqlite" --experiment smoke | tee summary.txt
grep -q inoc-spanish summary.txt || fail "the summary has no inoc-spanish row"
inoculab --export-figure expression --store "$work/results.sqlite" --experiment smoke --out "$work/fig.png"
[ "$(head -c 8 fig.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "fig.png is not a PNG"
cd /

echo "== apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq inoculab >/dev/null
left=()
for f in "${files[@]}"; do
  # Folders shared with other packages (/usr/share/icons/...) stay; nothing of ours may.
  if [ -e "$f" ] && { [ ! -d "$f" ] || [[ "$f" == /usr/share/inoculab* || "$f" == /usr/share/doc/inoculab* ]]; }; then
    left+=("$f")
  fi
done
[ ${#left[@]} -eq 0 ] || fail "left in /usr after removal: ${left[*]}"
echo "install-test: passed (${#files[@]} paths installed and removed)"
