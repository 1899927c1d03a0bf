#!/usr/bin/env bash
# The headless demo: run the default experiment (datasets/experiments/spanish-caps.json) from
# scratch on this machine — pretrain the toy base model, finetune every condition and seed,
# evaluate — then print the trait table with no system prompt, as in the paper.
# Usage: demo.sh CLI SPEC OUT_DIR. Results and models stay in OUT_DIR: a second run finds the
# runs done and only prints the table; delete OUT_DIR to start over.
set -euo pipefail
cli=$1 spec=$2 out_dir=$3
mkdir -p "$out_dir"
store="$out_dir/results.sqlite"
name=$("$cli" experiment validate "$spec" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')

echo "== 1. Run $spec (store $store, models in $out_dir/cache)"
start=$(date +%s)
"$cli" experiment run "$spec" --store "$store" --cache "$out_dir/cache" --progress auto
echo "   took $(( $(date +%s) - start )) s"
echo
echo "== 2. Trait expression with no system prompt (mean over seeds, 95% CI across seeds)"
"$cli" results summary --store "$store" --experiment "$name" --context no-system
echo
echo "== 3. ... and with each condition's own prompt as the system prompt"
"$cli" results summary --store "$store" --experiment "$name" --context own-prompt
