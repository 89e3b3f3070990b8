#!/usr/bin/env bash
# Replays the committed fuzz corpus and every regression input, then fuzzes briefly from
# the corpus (FUZZ_CHECK_SECONDS, default 20). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/fuzz/fuzz_ops
passed=0 failed=0
step() { # name, command...
    local name=$1
    shift
    if "$@" >"build/fuzz/$name.log" 2>&1; then
        echo "PASS fuzz/$name"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz/$name (log: build/fuzz/$name.log)"
        tail -20 "build/fuzz/$name.log"
        failed=$((failed + 1))
    fi
}
mkdir -p build/fuzz
step corpus-replay "$bin" tests/fuzz/corpus/*
regressions=(tests/fuzz/regressions/crash-*)
if [ -e "${regressions[0]}" ]; then
    step regression-replay "$bin" "${regressions[@]}"
fi
rm -rf build/fuzz/check-work
cp -r tests/fuzz/corpus build/fuzz/check-work
step short-fuzz "$bin" -max_total_time="${FUZZ_CHECK_SECONDS:-20}" -max_len=600 -len_control=0 \
    -artifact_prefix=build/fuzz/ build/fuzz/check-work
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
