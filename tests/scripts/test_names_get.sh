#!/usr/bin/env bash
# With many names (Host forwarded, alternate domain names), the first name
# asks GET beside its HEAD; the other names ask GET only once the origin has
# shown it ignores HEAD (the first HEAD unanswered, or late). A small Python
# TLS origin on 127.0.0.1 logs every request:
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
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

leaf_pki "names test root" names.example.test
# One leaf for every name of the test.
printf 'subjectAltName=DNS:names.example.test,DNS:*.names.example.test\n' > ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
    -extfile ext 2>/dev/null

cat > origin.py <<'EOF'
import socket, ssl, sys, threading, time
port_file, log_path, head_mode = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("leaf.pem", "leaf.key")
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(128)
open(port_file, "w").write(str(srv.getsockname()[1]))
lock = threading.Lock()

def serve(raw):
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
        conn.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n")
        method = lines[0].split(b" ")[0]
        host = next((l.split(b":", 1)[1].strip() for l in lines[1:] if l.lower().startswith(b"host:")), b"-")
        with lock:
            with open(log_path, "ab") as log:
                log.write(method + b" " + host + b"\n")
        if method == b"HEAD":
            if head_mode == "deaf":
                conn.recv(1)   # never answers HEAD: the client gives up
                return
            time.sleep(0.025)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
    except Exception:
        pass

while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

names=()
for i in $(seq 12); do names+=(--cname "n$i.names.example.test"); done

# run MODE: starts the origin, runs the tool; leaves r-MODE.json, log-MODE.txt
run() {
    rm -f port
    python3 origin.py port "log-$1.txt" "$1" </dev/null >/dev/null 2>"err-origin-$1.txt" &
    pid=$!
    for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
    local port
    port=$(cat port 2>/dev/null)
    [ -n "$port" ] || { echo "the Python origin did not start: $(cat "err-origin-$1.txt")" >&2; exit 1; }
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
log = [l.split() for l in open(f"log-{mode}.txt")]
seen = collections.Counter(m for m, _ in log)
gets = {h for m, h in log if m == "GET"}
if mode == "slow":   # at most the first name's GET, asked beside its HEAD
    print(f"HEAD {seen['HEAD']} GET", "first name only" if gets <= {"n1.names.example.test"} else sorted(gets))
else:
    print(f"HEAD {seen['HEAD']} GET {seen['GET']}")
EOF
}

run slow
got=$(summary slow 2>&1)
want="12 [('HEAD', True, 200)]
HEAD 12 GET first name only"
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok; else
    bad "HEAD answered late: exit $rc, got:"; echo "$got" >&2; cat err-slow.txt >&2
fi

run deaf
got=$(summary deaf 2>&1)
want="12 [('GET', True, 200)]
HEAD 12 GET 12"
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok; else
    bad "HEAD never answered: exit $rc, got:"; echo "$got" >&2; cat err-deaf.txt >&2
fi

echo "names_get: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
