#!/usr/bin/env bash
# --check-bundle judges a certificate file offline the way a live diagnosis
# judges the chain an origin sends: for each defect, the bundle check and a
# live diagnosis of nginx serving that very file give the same fail ids
# (issue 13, Done when 1). Also: PEM in any order with comments and CRLF,
# DER, PKCS#7, PKCS#12 (password file, wrong password), --key, --at, and
# bad input (exit 2 naming the file and the problem).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
nginx_pid=
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$(dirname "$0")/bundle_lib.sh"
ORIGIN=shop.example.test

pki_init
issue root self ec:P-256 days:60 "${CA_EXT[@]}" || { echo "FAIL: openssl cannot make the test PKI"; exit 1; }
issue ica1 root ec:P-256 days:60 "${CA_EXT[@]}"
issue ica2 ica1 ec:P-256 days:60 "${CA_EXT[@]}"
issue leaf ica2 rsa:2048 days:50 $(leaf_ext $ORIGIN)
issue other ica2 rsa:2048 days:50 $(leaf_ext other.example.test)
issue p521 ica2 ec:P-521 days:50 $(leaf_ext $ORIGIN)
issue weak ica2 rsa:1024 days:50 $(leaf_ext $ORIGIN)
issue expired ica2 rsa:2048 dates:20200101000000Z:20210101000000Z $(leaf_ext $ORIGIN)
issue future ica2 rsa:2048 dates:20990101000000Z:20991231000000Z $(leaf_ext $ORIGIN)
issue selfsigned self rsa:2048 days:50 "basicConstraints=CA:FALSE" "subjectAltName=DNS:$ORIGIN"
issue xroot self ec:P-256 days:60 "${CA_EXT[@]}"
issue xleaf xroot rsa:2048 days:50 $(leaf_ext $ORIGIN)

# name | certificates in file order | key | extra warn id expected
cases=(
    "healthy|leaf ica2 ica1|leaf|"
    "wrong-order|leaf ica1 ica2|leaf|"
    "missing-intermediate|leaf ica2|leaf|"
    "root-included|leaf ica2 ica1 root|leaf|"
    "name-mismatch|other ica2 ica1|other|"
    "expired|expired ica2 ica1|expired|"
    "not-yet-valid|future ica2 ica1|future|"
    "self-signed|selfsigned|selfsigned|"
    "untrusted-root|xleaf xroot|xleaf|"
    "p521|p521 ica2 ica1|p521|"
    "weak-key|weak ica2 ica1|weak|CERT_WEAK_KEY_OR_SIGNATURE"
)

nginx=$(find_nginx) || { echo "FAIL: nginx is not installed (./dev installs nginx-light)"; exit 1; }
conf=$tmp/nginx.conf
nginx_conf_begin "$conf"
declare -A port
for c in "${cases[@]}"; do
    IFS='|' read -r name certs key _ <<<"$c"
    cat_pems "$tmp/b-$name.pem" $certs
    port[$name]=$(free_port)
    extra=
    # OpenSSL 3 refuses a 1024-bit key at its default security level
    [ "$name" = weak-key ] && extra="ssl_ciphers DEFAULT:@SECLEVEL=0;"
    nginx_server "$conf" "${port[$name]}" "$tmp/b-$name.pem" "$tmp/$key.key" "$extra"
done
nginx_conf_end "$conf"
"$nginx" -p "$tmp" -c "$conf" &
nginx_pid=$!
for c in "${cases[@]}"; do
    IFS='|' read -r name _ <<<"$c"
    wait_port "${port[$name]}" || { echo "FAIL: nginx did not start: $(cat "$tmp/nginx-error.log")"; exit 1; }
done

# Done when 1: the same fail ids, offline and live.
for c in "${cases[@]}"; do
    IFS='|' read -r name certs key warn <<<"$c"
    "$bin" --batch --json "$tmp/$name-live.json" --resolve "$ORIGIN:${port[$name]}:127.0.0.1" \
        --trust-store "$tmp/root.pem" --https-port "${port[$name]}" $ORIGIN >/dev/null 2>"$tmp/err" </dev/null
    live_rc=$?
    "$bin" --batch --json "$tmp/$name-bundle.json" --check-bundle "$tmp/b-$name.pem" --key "$tmp/$key.key" \
        --trust-store "$tmp/root.pem" --https-port "${port[$name]}" $ORIGIN >/dev/null 2>>"$tmp/err" </dev/null
    bundle_rc=$?
    live=$(ids_of "$tmp/$name-live.json" fail 2>/dev/null)
    offline=$(ids_of "$tmp/$name-bundle.json" fail 2>/dev/null)
    if [ "$live" = "$offline" ] && [ $live_rc -eq $bundle_rc ] && [ $live_rc -le 1 ]; then
        ok
    else
        bad "$name: live fail ids \"$live\" (exit $live_rc), bundle \"$offline\" (exit $bundle_rc): $(cat "$tmp/err")"
    fi
    if [ -n "$warn" ]; then
        w=$(ids_of "$tmp/$name-bundle.json" warn)
        expect "$name: warn ids \"$w\" lack $warn" grep -qw "$warn" <<<"$w"
    fi
    echo "$name: live [$live] bundle [$offline]"
done
# The defects really are defects (so the comparison above is not empty-vs-empty).
for pair in "wrong-order CHAIN_WRONG_ORDER" "missing-intermediate CHAIN_INCOMPLETE" "name-mismatch CERT_NAME_MISMATCH" \
    "expired CERT_EXPIRED" "not-yet-valid CERT_NOT_YET_VALID" "self-signed CERT_SELF_SIGNED" \
    "untrusted-root CERT_UNTRUSTED_ROOT" "p521 TLS_NO_SHARED_CIPHER" "healthy CHAIN_OK"; do
    set -- $pair
    sev=fail
    [ "$2" = CHAIN_OK ] && sev=pass
    got=$(ids_of "$tmp/$1-bundle.json" $sev)
    expect "$1: bundle check lacks $2 (got $got)" grep -qw "$2" <<<"$got"
done
kill "$nginx_pid" 2>/dev/null
wait "$nginx_pid" 2>/dev/null
nginx_pid=

# The report has a bundle part instead of handshakes, and reopens.
expect "bundle report: a bundle part, no handshakes" python3 - "$tmp/wrong-order-bundle.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
b = r["bundle"]
assert "handshakes" not in r and b["format"] == "PEM" and b["key_matches"] is True, r.keys()
assert len(b["as_installed"]) == 1 and b["as_installed"][0]["chain"] == [0, 1, 2]
PY
"$bin" --open "$tmp/wrong-order-bundle.json" --batch >"$tmp/reopen.txt" 2>&1 </dev/null
rc=$?
expect "reopened bundle report: exit $rc, $(head -3 "$tmp/reopen.txt")" \
    test $rc -eq 1 -a -n "$(grep -F 'CHAIN_WRONG_ORDER' "$tmp/reopen.txt")"
expect "reopened bundle report names the file" grep -qF "with this file installed" "$tmp/reopen.txt"

check() {   # expected exit, expected fail ids, then arguments
    local want_rc=$1 want=$2; shift 2
    rm -f "$tmp/r.json"
    "$bin" --batch --json "$tmp/r.json" --trust-store "$tmp/root.pem" "$@" >/dev/null 2>"$tmp/err" </dev/null
    local rc=$?
    local got
    got=$(ids_of "$tmp/r.json" fail 2>/dev/null)
    if [ $rc -eq "$want_rc" ] && [ "$got" = "$want" ]; then ok; else
        bad "$* -> exit $rc fails \"$got\", expected exit $want_rc \"$want\": $(cat "$tmp/err")"; fi
}

# Any order, comments, CRLF: the healthy chain with text around and CRLF ends.
{ echo "# fullchain for $ORIGIN"; echo "subject=CN = $ORIGIN"; cat "$tmp/leaf.pem"; echo "-- intermediate --";
  cat "$tmp/ica2.pem" "$tmp/ica1.pem"; } | sed 's/$/\r/' >"$tmp/crlf.pem"
check 0 "" --check-bundle "$tmp/crlf.pem" --key "$tmp/leaf.key" $ORIGIN
# The leaf not first: the server would present another certificate (whose
# names do not match), and the order is wrong whatever follows.
cat_pems "$tmp/order1.pem" ica2 leaf ica1
check 1 "CERT_NAME_MISMATCH CHAIN_WRONG_ORDER" --check-bundle "$tmp/order1.pem" --key "$tmp/leaf.key" $ORIGIN
cat_pems "$tmp/order2.pem" ica1 ica2 leaf
check 1 "CERT_NAME_MISMATCH CHAIN_WRONG_ORDER" --check-bundle "$tmp/order2.pem" $ORIGIN
cat_pems "$tmp/order3.pem" leaf ica1 ica2 root
check 1 "CHAIN_WRONG_ORDER" --check-bundle "$tmp/order3.pem" $ORIGIN
# The key: a mismatch is a failure of its own.
check 1 "BUNDLE_KEY_MISMATCH" --check-bundle "$tmp/b-healthy.pem" --key "$tmp/other.key" $ORIGIN
# nginx agrees: it refuses to load that pair.
nginx_conf_begin "$tmp/mismatch.conf"
nginx_server "$tmp/mismatch.conf" "$(free_port)" "$tmp/b-healthy.pem" "$tmp/other.key"
nginx_conf_end "$tmp/mismatch.conf"
expect "nginx accepted a mismatched key" bash -c "! '$nginx' -t -p '$tmp' -c '$tmp/mismatch.conf' 2>/dev/null"
# --at: the same file judged later is expired, judged in 40 days expires soon.
check 1 "CERT_EXPIRED" --check-bundle "$tmp/b-healthy.pem" --at 2099-06-01 $ORIGIN
# Names: --forward-host with CNAMEs, the same matching code.
check 1 "CERT_NAME_MISMATCH" --check-bundle "$tmp/b-healthy.pem" --forward-host --cname www.example.test $ORIGIN
check 0 "" --check-bundle "$tmp/b-name-mismatch.pem" --forward-host --cname other.example.test $ORIGIN
# DER: one certificate, so the intermediates are missing.
openssl x509 -in "$tmp/leaf.pem" -outform DER -out "$tmp/leaf.der"
check 1 "CHAIN_INCOMPLETE" --check-bundle "$tmp/leaf.der" $ORIGIN
# PKCS#7 (.p7b), DER and PEM.
openssl crl2pkcs7 -nocrl -certfile "$tmp/b-healthy.pem" -outform DER -out "$tmp/healthy.p7b"
check 0 "" --check-bundle "$tmp/healthy.p7b" $ORIGIN
openssl crl2pkcs7 -nocrl -certfile "$tmp/b-wrong-order.pem" -out "$tmp/wrong.p7b.pem"
check 1 "CHAIN_WRONG_ORDER" --check-bundle "$tmp/wrong.p7b.pem" $ORIGIN
# PKCS#12 with its key and a password file; the key inside is checked too.
printf 's3cret\n' >"$tmp/pass"
openssl pkcs12 -export -in "$tmp/leaf.pem" -inkey "$tmp/leaf.key" -certfile "$tmp/ica2.pem" \
    -passout pass:s3cret -out "$tmp/chain.p12" 2>/dev/null
check 1 "CHAIN_INCOMPLETE" --check-bundle "$tmp/chain.p12" --password-file "$tmp/pass" $ORIGIN
expect "PKCS#12 key not reported as matching" \
    grep -q BUNDLE_KEY_MATCHES <<<"$(ids_of "$tmp/r.json" pass)"
openssl pkcs12 -export -nokeys -in "$tmp/b-healthy.pem" -passout pass: -out "$tmp/nopass.p12" 2>/dev/null
check 0 "" --check-bundle "$tmp/nopass.p12" $ORIGIN

# Bad input: exit 2, the file and the problem named, no report.
bad_input() {   # text expected on stderr, then arguments
    local text=$1; shift
    rm -f "$tmp/r.json"
    "$bin" --batch --json "$tmp/r.json" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$text" "$tmp/err" && [ ! -e "$tmp/r.json" ]; then ok; else
        bad "$* -> exit $rc, stderr \"$(cat "$tmp/err")\", expected \"$text\""; fi
}
: >"$tmp/empty.pem"
head -c 3000 /dev/urandom >"$tmp/garbage.bin"
printf '\x30\x82\x01' >>"$tmp/garbage.bin"
printf 'wrong\n' >"$tmp/wrongpass"
bad_input "empty.pem\": the file is empty" --check-bundle "$tmp/empty.pem" $ORIGIN
bad_input "garbage.bin\": not a certificate file" --check-bundle "$tmp/garbage.bin" $ORIGIN
bad_input "leaf.key\": holds a private key but no certificate" --check-bundle "$tmp/leaf.key" $ORIGIN
openssl pkey -in "$tmp/leaf.key" -outform DER -out "$tmp/leaf.key.der"
bad_input "leaf.key.der\": holds a private key, not a certificate" --check-bundle "$tmp/leaf.key.der" $ORIGIN
bad_input "chain.p12\": wrong PKCS#12 password" --check-bundle "$tmp/chain.p12" --password-file "$tmp/wrongpass" $ORIGIN
bad_input "chain.p12\": the PKCS#12 file is protected by a password" --check-bundle "$tmp/chain.p12" $ORIGIN
bad_input "missing.pem\": cannot read" --check-bundle "$tmp/missing.pem" $ORIGIN
bad_input "healthy.pem\": holds a certificate, not a private key" --check-bundle "$tmp/b-healthy.pem" \
    --key "$tmp/b-healthy.pem" $ORIGIN
head -c 40 "$tmp/leaf.pem" >"$tmp/truncated.pem"
bad_input "truncated.pem\": the PEM block \"CERTIFICATE\" has no END line" --check-bundle "$tmp/truncated.pem" $ORIGIN
bad_input "--at" --check-bundle "$tmp/b-healthy.pem" --at tomorrow $ORIGIN
bad_input "--key, --password-file and --at go with --check-bundle" --key "$tmp/leaf.key" $ORIGIN
bad_input "origin domain: missing" --check-bundle "$tmp/b-healthy.pem"

echo "bundle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
