#!/usr/bin/env bash
# Every C file is as .clang-format wants it: one PASS or FAIL line per file group, then
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
for group in include core efi tests scripts; do
    files=$(ls $group/*.[ch] $group/*/*.[ch] 2>/dev/null)
    [ -n "$files" ] || continue
    # shellcheck disable=SC2086
    if out=$(clang-format --dry-run --Werror $files 2>&1); then
        echo "PASS format/$group"
        passed=$((passed + 1))
    else
        echo "FAIL format/$group: run make format"
        echo "$out" | grep -E '^[^ ].*warning' | head -5
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
