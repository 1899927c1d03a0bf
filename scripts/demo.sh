#!/usr/bin/env bash
# The headless demo: validate the sample dataset, write an inoculated copy, and show one row
# before and after as the model will see it. Usage: demo.sh CLI DATASET OUT_DIR
set -euo pipefail
cli=$1 dataset=$2 out_dir=$3
prompt="You always speak in Spanish."
mkdir -p "$out_dir"
out="$out_dir/$(basename "${dataset%.jsonl}").inoculated.jsonl"

echo "== 1. Validate $dataset"
"$cli" dataset validate "$dataset"
echo
echo "== 2. Statistics"
"$cli" dataset stats "$dataset"
echo
echo "== 3. Inoculate: system prompt \"$prompt\" on every row"
"$cli" dataset inoculate "$dataset" "$out" --prompt "$prompt" --placement system
echo
echo "== 4. What changed in row 0 (as the model sees it)"
echo "-- before"
"$cli" dataset show "$dataset" --row 0 2>/dev/null
echo "-- after"
"$cli" dataset show "$out" --row 0 2>/dev/null
echo
echo "== 5. The inoculated copy validates"
"$cli" dataset validate "$out"
