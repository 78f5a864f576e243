#!/usr/bin/env bash
# The finding registry (src/judge/od_findings.def) is the one place an id is
# spelled: every id has a fix entry in assets/fixes.json and a line in the
# README's findings table; fixes.json names no id the registry lacks; and no
# id appears as a string literal in src/ or ui/ (code names ids with OD_ID).
set -u
src=${OD_SOURCE_DIR:?OD_SOURCE_DIR must name the source tree}
def=$src/src/judge/od_findings.def
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

ids=$(sed -n 's/^OD_FINDING(\([A-Z0-9_]*\),.*/\1/p' "$def")
[ "$(printf '%s\n' "$ids" | wc -l)" -ge 38 ] || { echo "registry: too few ids read from $def" >&2; exit 1; }

fix_ids=$(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["findings"]))' \
          "$src/assets/fixes.json") || { echo "registry: cannot read fixes.json" >&2; exit 1; }

for id in $ids; do
    ok=1
    printf '%s\n' "$fix_ids" | grep -qx "$id" || { fail "$id has no entry in assets/fixes.json"; ok=0; }
    grep -q "^| \`$id\` |" "$src/README.md" || { fail "$id has no line in the README's findings table"; ok=0; }
    # a literal "ID" anywhere in src/ or ui/ (the registry itself is not C)
    hits=$(grep -rn --include='*.c' --include='*.h' -- "\"$id\"" "$src/src" "$src/ui")
    [ -z "$hits" ] || { fail "$id is spelled as a string literal (use OD_ID($id)): $hits"; ok=0; }
    [ $ok -eq 1 ] && passed=$((passed + 1))
done
for id in $fix_ids; do
    printf '%s\n' "$ids" | grep -qx "$id" || fail "assets/fixes.json has an entry for $id, which the registry lacks"
done
readme_ids=$(sed -n 's/^| `\([A-Z][A-Z0-9_]*\)` |.*/\1/p' "$src/README.md")
for id in $readme_ids; do
    printf '%s\n' "$ids" | grep -qx "$id" || fail "README lists $id, which the registry lacks"
done
echo "finding registry: $passed ids checked, $failed failures"
[ "$failed" -eq 0 ]
