#!/usr/bin/env bash
# Every flag --help lists is documented in the man page and the README.
set -u
bin=$1
src=${OD_SOURCE_DIR:?OD_SOURCE_DIR must name the source tree}
passed=0 failed=0
flags=$("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$flags" ] || { echo "docs: --help lists no flags"; exit 1; }
for f in $flags; do
    man_form=$(printf '%s' "$f" | sed 's/-/\\\\-/g')
    if grep -q -- "$man_form" "$src/assets/origin-doctor.1" && grep -q -- "$f" "$src/README.md"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "FAIL: $f is not documented in the man page and the README" >&2
    fi
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
