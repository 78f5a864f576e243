#!/usr/bin/env bash
# The documentation says what the program does, from the same tables:
# every flag --help lists (the option table) is in the man page and the
# README; every key of the UI's key table is in the man page; the man page
# in the source tree holds the generated parts the build makes (./dev docs
# refreshes them); it renders without a groff warning and has the sections
# a user looks for.
set -u
bin=$1
src=${OD_SOURCE_DIR:?OD_SOURCE_DIR must name the source tree}
doc=$(dirname "$bin")/doc
page=$doc/origin-doctor.1
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

flags=$("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$flags" ] || { echo "docs: --help lists no flags"; exit 1; }
for f in $flags; do
    man_form=$(printf '%s' "$f" | sed 's/-/\\\\-/g')
    if grep -q -- "$man_form" "$page" && grep -q -- "$f" "$src/README.md"; then ok; else
        bad "$f is not documented in the man page and the README"; fi
done

# Each key name of ui/ui_keys.c's table, as the man page writes it (.B NAME).
keys=$(python3 - "$src/ui/ui_keys.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r'\{UI_CTX_[A-Z_]+,\s*(?:[^,{}]|\'.\')+,\s*UI_A_[A-Z0-9_]+,\s*"((?:[^"\\]|\\.)*)"', text):
    print(m.group(1).encode().decode('unicode_escape'))
PY
)
nkeys=$(printf '%s\n' "$keys" | grep -c .)
[ "$nkeys" -gt 20 ] && ok || bad "only $nkeys keys read from ui/ui_keys.c"
while IFS= read -r k; do
    [ -n "$k" ] || continue
    man_form=$(printf '%s' "$k" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g')
    if grep -qxF -- ".B $man_form" "$page"; then ok; else bad "key \"$k\" is not in the man page's KEYS"; fi
done <<<"$keys"

if cmp -s "$page" "$src/assets/origin-doctor.1"; then ok; else
    bad "assets/origin-doctor.1 is stale: its generated OPTIONS/KEYS differ from the tables (run ./dev docs)"; fi

warnings=$(groff -ww -man -Tutf8 -z "$page" 2>&1)
[ -z "$warnings" ] && ok || bad "groff warns: $warnings"
if command -v man >/dev/null; then
    out=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
    [ -z "$out" ] && ok || bad "man -l: $out"
fi
for s in OPTIONS KEYS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    grep -qx "\\.SH $s" "$page" && ok || bad "the man page has no $s section"
done
for x in openssl\\\\-s_client curl aws; do
    grep -q "^\\.BR $x (1)" "$page" && ok || bad "SEE ALSO lacks $x(1)"
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
