#!/usr/bin/env bash
# An origin that never answers HEAD but answers GET (openssl s_server -www
# does this) is not "no HTTP response": the tool asks again with GET, as
# viewers' requests would, and reports that answer.
set -u
. "$(dirname "$0")/pki_lib.sh"
script_start "$1"
leaf_pki "fallback test root" get.example.test
port=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -tls1_2 </dev/null >/dev/null 2>&1 &
pid=$!
wait_port "$port"
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
