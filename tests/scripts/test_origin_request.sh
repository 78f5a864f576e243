#!/usr/bin/env bash
# The request CloudFront sends, as the origin sees it: a small Python TLS
# origin on 127.0.0.1 logs every request head it receives, never answers
# HEAD (so the tool's GET fallback is asked too) and answers GET with 200
# only when the custom header carries the expected value (else 403, as a
# WAF does). Both requests must carry OriginPath + path on the request line,
# "User-Agent: Amazon CloudFront" and every custom header.
set -u
. "$(dirname "$0")/pki_lib.sh"
script_start "$1"

leaf_pki "request test root" waf.example.test

start_http_origin log.txt --head deaf --require-header 'X-Origin-Verify: waf-s3cret'

run() {   # extra flags; the JSON report in r.json
    rm -f r.json log.txt
    "$bin" --batch --json r.json --resolve "waf.example.test:$port:127.0.0.1" --trust-store ca.pem \
        --https-port "$port" --response-timeout 2 "$@" waf.example.test >out.txt 2>err.txt </dev/null
}

# 1. as CloudFront asks: OriginPath + path, its User-Agent, the custom headers
run --origin-path /app --path '/v1/items?id=7' --origin-header 'X-Origin-Verify: waf-s3cret' \
    --origin-header 'X-Tenant: blue'
rc=$?
python3 - <<'EOF' >check.txt 2>&1
import json
heads = open("log.txt", "rb").read().split(b"\r\n\r\n")
heads = [h.split(b"\r\n") for h in heads if h]
lines = sorted(h[0].decode() for h in heads)
print("lines", lines)
for h in heads:
    fields = h[1:]
    for want in (b"User-Agent: Amazon CloudFront", b"X-Origin-Verify: waf-s3cret", b"X-Tenant: blue"):
        if want not in fields:
            print("missing", want.decode(), "in", h[0].decode())
    if sum(1 for f in fields if f.lower().startswith(b"user-agent:")) != 1:
        print("not one User-Agent in", h[0].decode())
r = json.load(open("r.json"))
res = [(x["method"], x.get("path"), x["status_code"]) for x in r["http"]["results"]]
print("results", res)
EOF
grep -qF "lines ['GET /app/v1/items?id=7 HTTP/1.1', 'HEAD /app/v1/items?id=7 HTTP/1.1']" check.txt \
    && ok || bad "request lines: $(cat check.txt)"
if ! grep -q "^lines \['" check.txt || grep -q "^missing\|^not one" check.txt; then
    bad "headers: $(cat check.txt)"
else
    ok
fi
grep -qF "results [('GET', '/app/v1/items?id=7', 200)]" check.txt && [ "$rc" -eq 0 ] \
    && ok || bad "with the header: exit $rc, $(grep results check.txt)"

# 2. without the header: the WAF's 403 reaches the report (HTTP_CLIENT_ERROR)
run --origin-path /app
rc=$?
verdict=$(python3 -c '
import json; r = json.load(open("r.json"))
ids = sorted(f["id"] for f in r["findings"] if f["id"].startswith("HTTP_"))
print(r["http"]["results"][0]["status_code"], ",".join(ids))' 2>&1)
[ "$verdict" = "403 HTTP_CLIENT_ERROR" ] && ok || bad "without the header: $verdict (exit $rc)"
grep -q "^GET /app/ HTTP/1.1" log.txt && grep -q "^User-Agent: Amazon CloudFront" log.txt && ok \
    || bad "without the header, the request: $(head -c 300 log.txt)"

script_end origin_request
