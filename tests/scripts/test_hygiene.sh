#!/usr/bin/env bash
# Shared code stays shared: strerror only through od_strerror (strerror_r,
# safe on the probe and UI worker threads), one oom(), one join, one
# case-insensitive search, one protocol-name parser (all in src/util or
# src/case); a second copy creeping back fails here.
set -u
src=${OD_SOURCE_DIR:?OD_SOURCE_DIR must name the source tree}
cd "$src" || exit 1
passed=0 failed=0
check() {   # description, then a grep pattern that must find nothing outside the allowed file
    local what=$1 pattern=$2 allowed=$3 hits
    hits=$(grep -rnE --include='*.c' --include='*.h' -e "$pattern" src ui | grep -vE "^($allowed):" || true)
    if [ -z "$hits" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $what:"; echo "$hits"; fi
}
check "strerror outside od_strerror" '(^|[^_[:alnum:]])strerror\(' 'src/util/od_util\.[ch]'
check "a second oom()" '(^|[^_[:alnum:]])(static )?void (od_)?oom\(' 'src/util/od_util\.[ch]'
check "a private join" 'static char \*[a-z_]*join[a-z_]*\(' 'src/util/od_util\.[ch]'
check "a private case-insensitive search" 'static [a-z ]*\*?[a-z_]*(contains_ci|casestr|starts_with_ci)\(' 'src/util/od_util\.[ch]'
check "a private protocol-name table" '\{ *"SSLv3", *OD_PROTO_|\{ *OD_PROTO_SSLV3, *"SSLv3"' 'src/case/od_case\.c'
echo "hygiene: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
