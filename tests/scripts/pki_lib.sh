# Shared set-up of the shell tests that run the binary against a local
# origin: source it with the binary's path as $1.
#   script_start "$1"   sets bin (absolute), tmp (removed at exit) and pid
#                       (a server started in the background, killed at
#                       exit), and enters tmp; passed=0 failed=0
#   ok / bad MESSAGE    counts a check that held / failed (MESSAGE to stderr)
#   script_end NAME     prints "NAME: P passed, F failed"; fails if any failed
#   leaf_pki ROOT_CN NAME
#                       a fresh ECDSA P-256 root (ca.pem, ca.key) and a leaf
#                       for NAME (leaf.pem, leaf.key) in the current folder,
#                       valid two days: nothing in the suite expires
#   free_port           prints a port that was free on 127.0.0.1
#   wait_port PORT      waits (up to 5 s) until 127.0.0.1:PORT accepts
#   start_http_origin LOG [http_origin.py options]
#                       starts http_origin.py (a TLS origin serving
#                       leaf.pem that logs each request head to LOG) in the
#                       background: sets pid and port

pki_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

script_start() {
    bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    tmp=$(mktemp -d)
    pid=
    trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
    cd "$tmp" || exit 1
    passed=0 failed=0
}

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

script_end() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

leaf_pki() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=$1" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
        -subj "/CN=$2" 2>/dev/null
    printf 'subjectAltName=DNS:%s\n' "$2" > ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
        -extfile ext 2>/dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

start_http_origin() {
    local log=$1
    shift
    rm -f origin.port
    python3 "$pki_lib_dir/http_origin.py" origin.port "$log" "$@" </dev/null >/dev/null 2>err-origin.txt &
    pid=$!
    for _ in $(seq 50); do [ -s origin.port ] && break; sleep 0.1; done
    port=$(cat origin.port 2>/dev/null)
    [ -n "$port" ] || { echo "the Python origin did not start: $(cat err-origin.txt)" >&2; exit 1; }
}
