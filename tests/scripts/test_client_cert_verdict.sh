#!/usr/bin/env bash
# TLS 1.3 puts the server's verdict on an empty client certificate after the
# handshake. The TLS probe reads until the origin's first record: a session
# ticket means the certificate was optional (the handshake counts as
# negotiated), an alert means it was required. openssl s_server, TLS 1.3
# only, asks for one (-verify: optional, -Verify: required).
set -u
. "$(dirname "$0")/pki_lib.sh"
script_start "$1"
leaf_pki "verdict test root" cc.example.test
passed=0 failed=0
for mode in optional required; do
    flag=-verify
    [ "$mode" = required ] && flag=-Verify
    port=$(free_port)
    openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -tls1_3 \
        "$flag" 1 -CAfile ca.pem </dev/null >/dev/null 2>&1 &
    pid=$!
    wait_port "$port"
    "$bin" --batch --json "r-$mode.json" --resolve "cc.example.test:$port:127.0.0.1" --trust-store ca.pem \
        --https-port "$port" --timeout 5 cc.example.test >/dev/null 2>"err-$mode.txt" </dev/null
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
    detail=$(python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))
print([p["detail"] for p in r["protocols"] if p["protocol"] == "TLSv1.3"][0])' "r-$mode.json" 2>&1)
    case "$mode:$detail" in
    optional:negotiated\ TLS1.3*|required:accepted,\ then\ a\ client\ certificate\ was\ required*)
        passed=$((passed + 1)) ;;
    *)
        failed=$((failed + 1)); echo "FAIL: $mode: TLSv1.3 row says: $detail" >&2; cat "err-$mode.txt" >&2 ;;
    esac
done
echo "client_cert_verdict: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
