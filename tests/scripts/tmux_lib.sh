# Shared helpers for the tmux UI tests (sourced, not a test itself).
# ui_test_init NAME BINARY sets BIN (absolute path of origin-doctor), SOCK
# (the test's own tmux server) and WORK (a private folder, removed at exit
# unless KEEP is set), and checks the tools the tests need.
FAILS=0
ui_test_init() {
    local name=$1
    [ -n "${2:-}" ] || { echo "usage: $0 /path/to/origin-doctor"; exit 2; }
    BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
    command -v tmux >/dev/null || { echo "FAIL: tmux is required for the UI tests (CI installs it)"; exit 1; }
    command -v python3 >/dev/null || { echo "FAIL: python3 is required (CI installs it)"; exit 1; }
    SOCK=od-$name-$$
    WORK=$(mktemp -d "/tmp/od-ui-$name.XXXXXX")
    trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
}
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
tm() { tmux -L "$SOCK" "$@"; }

# start NAME COLSxLINES ARGS...: a new session running the binary
start_ui() {
    local name=$1 size=$2; shift 2
    local args="" a
    for a in "$@"; do args="$args $(printf '%q' "$a")"; done
    tm kill-session -t "$name" >/dev/null 2>&1
    rm -f "$WORK/$name.exit"
    tm new-session -d -s "$name" -x "${size%x*}" -y "${size#*x}" \
        "cd $WORK && env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= NO_COLOR= $(printf '%q' "$BIN")$args 2>$WORK/$name.err; echo \$? > $WORK/$name.exit; sleep 600"
}
screen() { tm capture-pane -p -t "$1"; }
keys() { local s=$1; shift; tm send-keys -t "$s" "$@"; }
# click SESSION COLUMN ROW (1-based): press and release of the left button
click() {
    keys "$1" -l $'\e[<0;'"$2;$3M"
    keys "$1" -l $'\e[<0;'"$2;$3m"
}
# wait_for SESSION TEXT [SECONDS]: bounded poll of the screen
wait_for() {
    local s=$1 text=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        screen "$s" | grep -qF -- "$text" && return 0
        sleep 0.05
    done
    echo "--- screen of $s while waiting for '$text':"; screen "$s"; echo "---"
    return 1
}
wait_gone() {
    local s=$1 text=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        screen "$s" | grep -qF -- "$text" || return 0
        sleep 0.05
    done
    return 1
}
wait_exit() {
    local s=$1 i
    for ((i = 0; i < 200; i++)); do
        [ -s "$WORK/$s.exit" ] && { cat "$WORK/$s.exit"; return 0; }
        sleep 0.05
    done
    echo "timeout"
}
# Waits until two captures in a row are equal (the UI finished drawing
# after a key), then prints that screen.
settled() {
    local s=$1 a b i
    a=$(screen "$s")
    for ((i = 0; i < 100; i++)); do
        sleep 0.03
        b=$(screen "$s")
        [ "$a" = "$b" ] && { printf '%s\n' "$b"; return 0; }
        a=$b
    done
    printf '%s\n' "$b"
}
# Sanitizer or valgrind reports land in each session's captured stderr.
check_stderr() {
    local f
    for f in "$WORK"/*.err; do
        [ -e "$f" ] || continue
        if grep -qE "AddressSanitizer|LeakSanitizer|runtime error|Invalid (read|write)|definitely lost" "$f"; then
            fail "sanitizer report in $(basename "$f")"; cat "$f"
        fi
    done
}

# make_certs DIR NAME...: a CA (DIR/ca.pem) and, for each NAME, a leaf
# DIR/NAME.pem + DIR/NAME.key covering that name, all made now.
make_certs() {
    local dir=$1 n; shift
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -days 2 -subj "/CN=ui test root" 2>/dev/null
    for n in "$@"; do
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$n.key" -out "$dir/$n.csr" \
            -subj "/CN=$n" 2>/dev/null
        printf 'subjectAltName=DNS:%s\n' "$n" > "$dir/$n.ext"
        openssl x509 -req -in "$dir/$n.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -out "$dir/$n.pem" \
            -days 2 -extfile "$dir/$n.ext" 2>/dev/null
    done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# s_server PORT CERTNAME: openssl s_server on 127.0.0.1:PORT with that leaf
# (pid in SERVER_PID; killed at exit by the caller's trap).
s_server() {
    openssl s_server -quiet -www -accept "127.0.0.1:$1" -cert "$WORK/$2.pem" -key "$WORK/$2.key" -tls1_2 \
        </dev/null >/dev/null 2>&1 &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
