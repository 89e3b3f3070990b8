#!/usr/bin/env bash
# The freestanding archive reaches nothing outside itself: every undefined symbol of its
# objects is defined by another of them, except memcpy, memmove, memset and memcmp, which
# GCC documents it may call in a freestanding build (the kernel then provides them).
# Prints the undefined symbols left ("none" when there are none); exit 1 on any other.
set -uo pipefail
archive=${1:-build/freestanding/libpagetk.a}
allowed='^(memcpy|memmove|memset|memcmp)$'
undefined=$(nm -u "$archive" | awk 'NF == 2 && $1 == "U" { print $2 }' | sort -u)
defined=$(nm --defined-only "$archive" | awk 'NF == 3 && $2 ~ /^[TDBRWV]$/ { print $3 }' | sort -u)
outside=$(comm -23 <(echo "$undefined") <(echo "$defined") | sed '/^$/d')
others=$(echo "$outside" | grep -Ev "$allowed" | sed '/^$/d')
echo "freestanding: undefined outside the archive: $(echo "${outside:-none}" | paste -sd ' ')"
if [ -n "$others" ]; then
    echo "freestanding: not allowed: $(echo "$others" | paste -sd ' ')" >&2
    exit 1
fi
