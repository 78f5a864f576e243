#!/usr/bin/env bash
# Output files (--json, --report) per the contract: "-" is standard output
# (carrying that alone); symlinks, devices and FIFOs are written through,
# never replaced; regular files are replaced keeping their mode; new files
# get 0666 less the umask; an unwritable destination exits 3 before
# anything is probed. Each case runs the real binary on a lab origin.
set -u
bin=$1
tmp=$(mktemp -d)
cd "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() {   # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}
# A report is JSON of the report schema, whole (opening and closing brace).
is_report() {
    [ -s "$1" ] && [ "$(head -c 1 "$1")" = "{" ] && [ "$(tr -d ' \t\n' <"$1" | tail -c 1)" = "}" ] &&
        grep -q '"schema":[[:space:]]*"origin-doctor/report/1"' "$1"
}
mode_of() { stat -c %a "$1"; }
# A fast diagnosis: the lab's closed port (exit 1, PORT_REFUSED).
run() { "$bin" --batch --lab port-closed "$@" </dev/null; }

# --json -: standard output carries the JSON alone
run --json - >"$tmp/stdout" 2>"$tmp/err"
check "--json - exits 1 (the lab's finding)" [ $? -eq 1 ]
check "--json -: stdout is the JSON report alone" is_report "$tmp/stdout"
check "--json -: no file named -" [ ! -e ./- ]
check "--json -: no human report on stdout" bash -c "! grep -q '^Verdict' '$tmp/stdout'"

# --report -: the Markdown alone
run --report - >"$tmp/stdout" 2>/dev/null
check "--report -: Markdown on stdout" grep -q '^\*\*Verdict' "$tmp/stdout"
check "--report -: no human report on stdout" bash -c "! grep -q '^Verdict:' '$tmp/stdout'"

# a symlink to a report: the link stays, its target gets the report
echo old >"$tmp/real.json"
chmod 640 "$tmp/real.json"
ln -s real.json "$tmp/link.json"
run --json "$tmp/link.json" >/dev/null 2>&1
check "symlink stays a symlink" [ -L "$tmp/link.json" ]
check "symlink target holds the report" is_report "$tmp/real.json"
check "symlink target keeps its mode" [ "$(mode_of "$tmp/real.json")" = 640 ]

# a link to standard output, as /dev/stdout is (not /dev/stdout itself: a
# regression run as root would replace the machine's link): written through
ln -s /proc/self/fd/1 "$tmp/to-stdout"
run --json "$tmp/to-stdout" >"$tmp/captured" 2>/dev/null
check "link to /proc/self/fd/1 stays a link" [ -L "$tmp/to-stdout" ]
check "link to /proc/self/fd/1: the report reached stdout" grep -q '"schema"' "$tmp/captured"

# a device: as root, a null device of our own (a regression would
# otherwise replace the machine's /dev/null); others cannot replace it
dev=/dev/null
if [ "$(id -u)" -eq 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null; then dev=$tmp/null; fi
if [ "$(id -u)" -ne 0 ] || [ "$dev" != /dev/null ]; then
    run --json "$dev" >/dev/null 2>&1
    check "$dev exit 1" [ $? -eq 1 ]
    check "$dev is still a character device" [ -c "$dev" ]
else
    echo "note: no device case (root without mknod)" >&2
fi

# a FIFO: read while the tool writes
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
run --json "$tmp/fifo" >/dev/null 2>&1
wait $reader
check "FIFO stays a FIFO" [ -p "$tmp/fifo" ]
check "FIFO: the reader got the report" is_report "$tmp/from-fifo"

# an existing regular file: replaced, its mode kept
echo old >"$tmp/existing.json"
chmod 600 "$tmp/existing.json"
run --json "$tmp/existing.json" >/dev/null 2>&1
check "regular file replaced with the report" is_report "$tmp/existing.json"
check "regular file keeps mode 600" [ "$(mode_of "$tmp/existing.json")" = 600 ]
check "no temporary file left" bash -c "! ls '$tmp' | grep -q tmp-"

# new files: 0666 less the umask
(umask 027 && run --json "$tmp/new027.json" >/dev/null 2>&1)
check "new file under umask 027 is 640" [ "$(mode_of "$tmp/new027.json")" = 640 ]
(umask 002 && run --report "$tmp/new002.md" >/dev/null 2>&1)
check "new file under umask 002 is 664" [ "$(mode_of "$tmp/new002.md")" = 664 ]

# unwritable destinations: exit 3 at once, before anything is probed. The
# silent lab origin would hold a run for the whole --timeout.
for dest in "$tmp/no-such-folder/r.json" "$tmp" "$tmp/existing.json/sub"; do
    start=$(date +%s%N)
    "$bin" --batch --lab silent --timeout 10 --json "$dest" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check "--json $dest exits 3 (got $rc)" [ $rc -eq 3 ]
    check "--json $dest: stops before probing (${ms} ms)" [ $ms -lt 3000 ]
    check "--json $dest: says why on stderr" grep -q -- "--json" "$tmp/err"
    check "--json $dest: nothing on stdout" [ ! -s "$tmp/out" ]
done
"$bin" --batch --lab silent --timeout 10 --report "$tmp/no-such-folder/r.md" >/dev/null 2>"$tmp/err" </dev/null
check "--report to a missing folder exits 3" [ $? -eq 3 ]

echo "output_files: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
