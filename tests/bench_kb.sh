#!/bin/sh
# make bench, issue 11: the category classifier's 10-fold
# cross-validation (accuracy, macro-F1, majority baseline, confusion
# matrix, training and prediction time) and how the suggestions'
# relevance floor was chosen, both on the labelled tickets of
# ../shared/datasets/tickets/train.tsv (TICKETD_DATASET overrides).
# Usage: tests/bench_kb.sh [BUILD-DIR]
set -e
build=${1:-build}
data=${TICKETD_DATASET:-../shared/datasets/tickets/train.tsv}
if [ ! -r "$data" ]; then
	echo "bench: $data is not there: the classifier's figures are skipped"
	exit 0
fi
echo "== the category classifier: 10-fold cross-validation on $data"
"$build/tools/clfcv" "$data" 10
echo
echo "== the suggestions' relevance floor (src/kb.h KB_SUGGEST_FLOOR)"
"$build/tools/kbbench" "$data" 2>&1 | grep -v '^ticketd:'
