#!/usr/bin/env bash
# Shell completion made from the option table: bash registers it, offers
# flags, each flag's allowed values, files, lab scenarios and the origin ids
# of the --distribution-config on the line; zsh's script parses and lists
# every flag.
set -u
bin=$1
src=${OD_SOURCE_DIR:?OD_SOURCE_DIR must name the source tree}
doc=$(dirname "$bin")/doc
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# complete WORD... : COMPREPLY for the last word, one per line
complete_words() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _origin_doctor; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$doc/origin-doctor.bash" "$@"
}
expect() {   # label, expected lines (sorted, space separated), then words
    local label=$1 want=$2; shift 2
    local got
    got=$(complete_words "$@" | sort | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] && ok || bad "$label: got \"$got\", expected \"$want\""
}

reg=$(bash -c 'source "$1"; complete -p origin-doctor' _ "$doc/origin-doctor.bash")
[ "$reg" = "complete -F _origin_doctor origin-doctor" ] && ok || bad "complete -p: $reg"

expect "--tr" "--trust-store" "$bin" --tr
expect "--protocol-policy" "http-only https-only match-viewer" "$bin" --protocol-policy ""
expect "--protocol-policy h" "http-only https-only" "$bin" --protocol-policy h
expect "--protocol-policy=" "http-only https-only match-viewer" "$bin" --protocol-policy = ""
expect "--origin-ssl-protocols list" "TLSv1.1,TLSv1 TLSv1.1,TLSv1.1 TLSv1.1,TLSv1.2" "$bin" --origin-ssl-protocols TLSv1.1,TL
expect "--lab wrong-o" "wrong-order" "$bin" --lab wrong-o
expect "--origin-id from the config" "backup-api legacy-api shop" \
    "$bin" --distribution-config "$src/tests/fixtures/distconfig/mixed-behaviors.json" --origin-id ""
expect "--timeout offers nothing" "" "$bin" --timeout ""
# a file argument completes paths
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/store-a.pem" "$tmp/store-b.pem"
expect "--trust-store FILE" "$tmp/store-a.pem $tmp/store-b.pem" "$bin" --trust-store "$tmp/store-"
# every flag --help lists is offered after "--"
all=$(complete_words "$bin" -- | sort)
for f in $("$bin" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z][a-z-]*'); do
    grep -qxF -- "$f" <<<"$all" && ok || bad "bash completion does not offer $f"
done

if command -v zsh >/dev/null; then
    zsh -n "$doc/_origin-doctor" && ok || bad "zsh completion does not parse"
    for f in $("$bin" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z][a-z-]*'); do
        grep -q -- "$f" "$doc/_origin-doctor" && ok || bad "zsh completion lacks $f"
    done
    grep -q "(https-only http-only match-viewer)" "$doc/_origin-doctor" && ok || bad "zsh: no protocol policies"
else
    bad "zsh is not installed (./dev installs it)"
fi
echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
