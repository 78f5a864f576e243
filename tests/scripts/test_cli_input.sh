#!/usr/bin/env bash
# Bad input: each case exits 2, names the field on stderr, and probes
# nothing (no JSON report is written, stdout stays empty).
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

expect_usage_error() {   # field-text, then the arguments
    local field=$1; shift
    rm -f "$tmp/r.json"
    "$bin" --batch --json "$tmp/r.json" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$field" "$tmp/err" && [ ! -e "$tmp/r.json" ] && [ ! -s "$tmp/out" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $* -> exit $rc, stderr: $(cat "$tmp/err"), expected field \"$field\"" >&2
    fi
}

expect_usage_error "origin domain" "bad..name.example"
expect_usage_error "origin domain" "a.-leading.example.com"
expect_usage_error "origin domain" "under_score.example.com"
expect_usage_error "origin domain" "https://origin.example.com/"
expect_usage_error "origin domain" "localhost"
expect_usage_error "origin domain" "$(printf 'evil\033[31m.example.com')"
expect_usage_error "origin domain: missing"
expect_usage_error "--https-port" --https-port 0 origin.example.com
expect_usage_error "--https-port" --https-port 65536 origin.example.com
expect_usage_error "--https-port" --https-port abc origin.example.com
expect_usage_error "--http-port" --http-port 8 origin.example.com
expect_usage_error "--http-port" --http-port 1023 origin.example.com
expect_usage_error "--http-port" --http-port "" origin.example.com
expect_usage_error "origin SSL protocols" --origin-ssl-protocols TLSv1.3 origin.example.com
expect_usage_error "origin SSL protocols" --origin-ssl-protocols TLSv1.2,SSLv2 origin.example.com
expect_usage_error "protocol policy" --protocol-policy https origin.example.com
expect_usage_error "--resolve" --resolve origin.example.com:443 origin.example.com
expect_usage_error "--resolve" --resolve origin.example.com:443: origin.example.com
expect_usage_error "--resolve" --resolve origin.example.com:443:not-an-ip origin.example.com
expect_usage_error "--resolve" --resolve origin.example.com:99999:127.0.0.1 origin.example.com
# several addresses, IPv6 in brackets (curl's form): each malformed one named
expect_usage_error 'address "[::1"' --resolve 'origin.example.com:443:127.0.0.1,[::1' origin.example.com
expect_usage_error 'address "::1]"' --resolve 'origin.example.com:443:::1]' origin.example.com
expect_usage_error 'address ""' --resolve 'origin.example.com:443:127.0.0.1,,[::1]' origin.example.com
expect_usage_error 'address ""' --resolve 'origin.example.com:443:127.0.0.1,' origin.example.com
expect_usage_error 'brackets hold IPv6 addresses only' --resolve 'origin.example.com:443:[127.0.0.1]' origin.example.com
expect_usage_error 'address "[not-v6]"' --resolve 'origin.example.com:443:[not-v6]' origin.example.com
expect_usage_error 'address "host.example"' --resolve 'origin.example.com:443:[::1],host.example' origin.example.com
expect_usage_error "IP address type" --ip-address-type ipv5 origin.example.com
expect_usage_error "ipv4, ipv6, dualstack" --ip-address-type "" origin.example.com
expect_usage_error "--trust-store" --trust-store "$tmp/does-not-exist.pem" origin.example.com
expect_usage_error "--timeout" --timeout 0 origin.example.com
expect_usage_error "--timeout" --timeout 5s origin.example.com
expect_usage_error "--cname" --forward-host --cname "bad name" origin.example.com
expect_usage_error "--cname" --forward-host --cname "*.example.com" origin.example.com
expect_usage_error "--cname" --forward-host origin.example.com
expect_usage_error "--origin-path: \"app\" must start with '/'" --origin-path app origin.example.com
expect_usage_error "--origin-path: \"/app/\" ends with '/'" --origin-path /app/ origin.example.com
expect_usage_error "--origin-path: \"/\" alone" --origin-path / origin.example.com
expect_usage_error "--origin-path: \"/a b\" contains a space" --origin-path "/a b" origin.example.com
expect_usage_error "--path: \"index.html\" must start with '/'" --path index.html origin.example.com
expect_usage_error "--path: \"/a\\e[31m\" contains a control character" --path "$(printf '/a\033[31m')" origin.example.com
expect_usage_error "--path: \"/a b\" contains a space" --path "/a b" origin.example.com
expect_usage_error "--origin-header: give 'Name: value'" --origin-header "X-Origin-Verify" origin.example.com
expect_usage_error "an HTTP token" --origin-header "X Origin: v" origin.example.com
expect_usage_error "--origin-header: CloudFront cannot add Host" --origin-header "Host: other.example" origin.example.com
expect_usage_error "CloudFront cannot add X-Amz-" --origin-header "x-amz-date: 1" origin.example.com
# The custom header rules are data (assets/cloudfront-origin-policy.json,
# origin_custom_headers): a copy with other limits and names is obeyed.
if [ -n "${ORIGIN_DOCTOR_ASSETS:-}" ] && mkdir "$tmp/assets" && cp "$ORIGIN_DOCTOR_ASSETS"/*.json "$tmp/assets/" &&
    python3 - "$tmp/assets/cloudfront-origin-policy.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
h = d["origin_custom_headers"]
h["value_max_chars"] = 10
h["refused"] = [n for n in h["refused"] if n != "X-Edge-"] + ["X-Test-Only"]
json.dump(d, open(p, "w"))
PY
then
    ORIGIN_DOCTOR_ASSETS="$tmp/assets" expect_usage_error "longer than CloudFront's 10 characters" \
        --origin-header "X-Origin-Verify: 12345678901" origin.example.com
    ORIGIN_DOCTOR_ASSETS="$tmp/assets" expect_usage_error "CloudFront cannot add X-Test-Only" \
        --origin-header "X-Test-Only: 1" origin.example.com
    expect_usage_error "CloudFront cannot add X-Edge-" --origin-header "X-Edge-Thing: 1" origin.example.com
    # the copy without X-Edge- accepts the header (exit 2 would be a usage error)
    ORIGIN_DOCTOR_ASSETS="$tmp/assets" "$bin" --batch --json "$tmp/r.json" --origin-header "X-Edge-Thing: 1" \
        --resolve 'origin.example.com:443:127.0.0.1' --resolve 'origin.example.com:80:127.0.0.1' \
        --timeout 1 origin.example.com >/dev/null 2>"$tmp/err" </dev/null
    if [ $? -ne 2 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: X-Edge- refused by a copy without it: $(cat "$tmp/err")" >&2; fi
else
    failed=$((failed + 1)); echo "FAIL: cannot stage a copy of the assets" >&2
fi
expect_usage_error "control character" --origin-header "$(printf 'X-A: v\r\nX-B: w')" origin.example.com
expect_usage_error "--distribution-domain: \"https://d1.cloudfront.net\" is not a bare domain name" --distribution-domain "https://d1.cloudfront.net" origin.example.com
expect_usage_error "--distribution-domain: \"d1_x.cloudfront.net\" contains '_'" --distribution-domain "d1_x.cloudfront.net" origin.example.com
# a secret in a bad header is never echoed back
"$bin" --batch --origin-header "$(printf 'X-A: topsecret\nmore')" origin.example.com >"$tmp/out" 2>"$tmp/err" </dev/null
if grep -q topsecret "$tmp/err"; then
    failed=$((failed + 1)); echo "FAIL: the header value was echoed: $(cat "$tmp/err")" >&2
else
    passed=$((passed + 1))
fi
expect_usage_error "unknown option" --frobnicate origin.example.com
expect_usage_error "--at" --check-bundle "$tmp/none.pem" --at tomorrow origin.example.com
expect_usage_error "--write-chain" --write-chain "$tmp" origin.example.com
expect_usage_error "go with --check-bundle" --key "$tmp/k.pem" origin.example.com
expect_usage_error "go with --write-chain" --force origin.example.com
expect_usage_error "unknown option" -q origin.example.com
expect_usage_error "ambiguous" --no origin.example.com
expect_usage_error "--batch: takes no value" --batch=yes origin.example.com
expect_usage_error "--timeout: a value is required" origin.example.com --timeout
# After "--" a word that looks like an option is the origin domain (as GNU
# tools take it), and is judged as one.
expect_usage_error 'origin domain: "-weird"' -- -weird
expect_usage_error "--concurrency" --concurrency 0 origin.example.com
expect_usage_error "--lab" --lab no-such-scenario

# The escape sequence in the bad name must not reach the terminal raw.
"$bin" --batch "$(printf 'evil\033[31m.example.com')" 2>"$tmp/err" >/dev/null </dev/null
if grep -q $'\033' "$tmp/err"; then
    failed=$((failed + 1)); echo "FAIL: raw escape byte in the error message" >&2
else
    passed=$((passed + 1))
fi

# The tool itself cannot write its report: exit 3, the path and the reason
# named, nothing half-written left behind.
mkdir -p "$tmp/ro" && chmod 500 "$tmp/ro"
for flag in --json --report; do
    "$bin" --batch --lab healthy "$flag" "$tmp/no-such-dir/r.out" >/dev/null 2>"$tmp/err" </dev/null
    rc=$?
    if [ $rc -eq 3 ] && grep -q "no-such-dir/r.out" "$tmp/err" && grep -qi "no such file" "$tmp/err"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "FAIL: $flag into a missing folder -> exit $rc: $(cat "$tmp/err")" >&2
    fi
done
if [ "$(id -u)" -ne 0 ]; then   # root writes anywhere: the read-only case only means something for others
    "$bin" --batch --lab healthy --json "$tmp/ro/r.json" >/dev/null 2>"$tmp/err" </dev/null
    rc=$?
    if [ $rc -eq 3 ] && [ -z "$(ls -A "$tmp/ro")" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: read-only folder -> exit $rc, left: $(ls -A "$tmp/ro")" >&2; fi
fi

# A written report is whole: it parses back (the binary reads it with --open).
"$bin" --batch --lab wrong-order --json "$tmp/ok.json" --report "$tmp/ok.md" >/dev/null 2>&1 </dev/null
"$bin" --open "$tmp/ok.json" --batch >/dev/null 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -eq 1 ] && grep -q "CHAIN_WRONG_ORDER" "$tmp/ok.md" && ! ls "$tmp" | grep -q "tmp-"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: report round trip -> exit $rc: $(cat "$tmp/err")" >&2
fi

# Colour only on a terminal (script(1) gives it one), never with NO_COLOR or
# --no-color, never into a pipe.
esc=$'\033['
color_count() { script -qec "$*" /dev/null </dev/null 2>/dev/null | grep -cF "$esc" || true; }
on_tty=$(color_count env NO_COLOR= "$bin" --batch --lab healthy)
no_color_env=$(color_count env NO_COLOR=1 "$bin" --batch --lab healthy)
no_color_flag=$(color_count env NO_COLOR= "$bin" --batch --no-color --lab healthy)
piped=$(NO_COLOR= "$bin" --batch --lab healthy </dev/null 2>/dev/null | grep -cF "$esc" || true)
if [ "$on_tty" -gt 0 ] && [ "$no_color_env" -eq 0 ] && [ "$no_color_flag" -eq 0 ] && [ "$piped" -eq 0 ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL: colour lines: terminal $on_tty, NO_COLOR $no_color_env, --no-color $no_color_flag, pipe $piped" >&2
fi

# --help and --version (and -h, -V) work and exit 0
if "$bin" --help | grep -q -- "--forward-host" && "$bin" --version | grep -q "origin-doctor" &&
   "$bin" -h | grep -q -- "--forward-host" && "$bin" -V | grep -q "^origin-doctor "; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: --help/--version" >&2
fi
# --version names the libraries it runs with (asked for in bug reports).
version=$("$bin" --version)
if grep -qE '^GnuTLS [0-9]+\.[0-9]+' <<<"$version" && grep -qE '^ncurses [0-9]+\.[0-9]+' <<<"$version" &&
   grep -qE '^cJSON [0-9]+\.[0-9]+' <<<"$version"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: --version lacks the library versions: $version" >&2
fi

echo "cli_input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
