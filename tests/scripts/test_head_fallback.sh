#!/usr/bin/env bash
# An origin that never answers HEAD but answers GET (openssl s_server -www
# does this) is not "no HTTP response": the tool asks again with GET, as
# viewers' requests would, and reports that answer.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=fallback test root" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=get.example.test" 2>/dev/null
printf 'subjectAltName=DNS:get.example.test\n' > ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -tls1_2 </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$bin" --batch --json r.json --resolve "get.example.test:$port:127.0.0.1" --trust-store ca.pem \
    --https-port "$port" --response-timeout 2 get.example.test >out.txt 2>err.txt </dev/null
rc=$?
passed=0 failed=0
verdict=$(python3 -c '
import json; r = json.load(open("r.json")); h = r["http"]["results"][0]
fails = [f["id"] for f in r["findings"] if f["severity"] == "fail"]
print(h["method"], h["responded"], ",".join(fails) or "-")' 2>&1)
if [ $rc -eq 0 ] && [ "$verdict" = "GET True -" ]; then
    passed=1
else
    failed=1
    echo "FAIL: exit $rc, http/fails: $verdict" >&2; cat err.txt >&2
fi
echo "head_fallback: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
