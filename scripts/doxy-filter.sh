#!/usr/bin/env bash
# Doxygen's INPUT_FILTER for the public headers: their comments are plain C comments, so
# they are turned into doc comments on the fly and the headers stay as they are. The first
# comment describes the file; a comment after code on its line describes that code
# (/**<); a comment on its own lines describes what follows; "/* ---- name ----" lines
# are section rules and stay plain comments.
awk '
    !file && /^\/\*/ { sub(/^\/\*/, "/** \\file"); file = 1; print; next }
    /^[ \t]*\/\* ----/ { print; next }
    /^[ \t]*\/\*[^*]/ || /^[ \t]*\/\*$/ { sub(/\/\*/, "/**"); print; next }
    /[^ \t].*\/\*[^*]/ { sub(/\/\*/, "/**<"); print; next }
    { print }
' "$1"
