#!/usr/bin/env bash
# With many names (Host forwarded, alternate domain names), the first name
# asks GET beside its HEAD; the other names ask GET only once the origin has
# shown it ignores HEAD (the first HEAD unanswered, or late). http_origin.py,
# a small TLS origin on 127.0.0.1, logs every request:
#  1. HEAD answered, a little after GET (25 ms): each name gets its HEAD's
#     answer and the origin sees at most one GET, the first name's (none
#     when the HEAD's answer came first). Before the fix the first name's
#     GET ended while its HEAD was still in flight, and the other names
#     asked GET for nothing: 11 GETs for 12 names.
#  2. HEAD never answered: every name gets its answer from GET, and the
#     origin sees one GET per name.
set -u
. "$(dirname "$0")/pki_lib.sh"
script_start "$1"

leaf_pki "names test root" names.example.test
# One leaf for every name of the test.
printf 'subjectAltName=DNS:names.example.test,DNS:*.names.example.test\n' > ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
    -extfile ext 2>/dev/null

names=()
for i in $(seq 12); do names+=(--cname "n$i.names.example.test"); done

# run MODE: the origin answering HEAD as MODE (late, deaf), then the tool;
# leaves r-MODE.json and log-MODE.txt
run() {
    start_http_origin "log-$1.txt" --head "$1"
    "$bin" --batch --json "r-$1.json" --resolve "names.example.test:$port:127.0.0.1" --trust-store ca.pem \
        --https-port "$port" --response-timeout 5 --forward-host "${names[@]}" names.example.test \
        >"out-$1.txt" 2>"err-$1.txt" </dev/null
    rc=$?
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
}

# What each name's HTTP result says, then what the origin saw: "METHOD count".
summary() {
    python3 - "$1" <<'EOF'
import collections, json, sys
mode = sys.argv[1]
r = json.load(open(f"r-{mode}.json"))
res = r["http"]["results"]
print(len(res), sorted({(h["method"], h["responded"], h["status_code"]) for h in res}))
heads = [h.split(b"\r\n") for h in open(f"log-{mode}.txt", "rb").read().split(b"\r\n\r\n") if h]
log = [(h[0].split(b" ")[0].decode(),
        next((f.split(b":", 1)[1].strip().decode() for f in h[1:] if f.lower().startswith(b"host:")), "-"))
       for h in heads]
seen = collections.Counter(m for m, _ in log)
gets = {h for m, h in log if m == "GET"}
if mode == "late":   # at most the first name's GET, asked beside its HEAD
    print(f"HEAD {seen['HEAD']} GET", "first name only" if gets <= {"n1.names.example.test"} else sorted(gets))
else:
    print(f"HEAD {seen['HEAD']} GET {seen['GET']}")
EOF
}

run late
got=$(summary late 2>&1)
want="12 [('HEAD', True, 200)]
HEAD 12 GET first name only"
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok; else
    bad "HEAD answered late: exit $rc, got:"; echo "$got" >&2; cat err-late.txt >&2
fi

run deaf
got=$(summary deaf 2>&1)
want="12 [('GET', True, 200)]
HEAD 12 GET 12"
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok; else
    bad "HEAD never answered: exit $rc, got:"; echo "$got" >&2; cat err-deaf.txt >&2
fi

script_end names_get
