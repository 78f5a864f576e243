#!/usr/bin/env bash
# TLS 1.3 puts the server's verdict on an empty client certificate after the
# handshake. The TLS probe reads until the origin's first record: a session
# ticket means the certificate was optional (the handshake counts as
# negotiated), an alert means it was required. openssl s_server, TLS 1.3
# only, asks for one (-verify: optional, -Verify: required).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=verdict test root" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=cc.example.test" 2>/dev/null
printf 'subjectAltName=DNS:cc.example.test\n' > ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext 2>/dev/null
passed=0 failed=0
for mode in optional required; do
    flag=-verify
    [ "$mode" = required ] && flag=-Verify
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -tls1_3 \
        "$flag" 1 -CAfile ca.pem </dev/null >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
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
