#!/bin/sh
# lint.sh — the checks `make lint` runs (and `make check` before the tests):
# banned C functions (STYLE 18) and mandoc -Tlint on the man pages.
set -eu
cd "$(dirname "$0")/.."
status=0
banned='\<(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|sscanf|localtime)[[:space:]]*\('
if grep -nE "$banned" src/*.c src/*.h tests/unit/*.c; then
	echo "lint: banned function (see STYLE: use snprintf, strtol wrappers, localtime_r)" >&2
	status=1
fi
if command -v mandoc >/dev/null 2>&1; then
	for m in man/*.[0-9]; do
		[ -e "$m" ] || continue
		# STYLE-level notes are advice; WARNING and worse fail the lint
		if mandoc -Tlint -W warning "$m"; then :; else
			echo "lint: $m: mandoc -Tlint warnings" >&2
			status=1
		fi
	done
fi
exit $status
