#!/usr/bin/env bash
# The Debian package: built by CPack from this build, it holds the binary,
# the man page, the assets and both completions, its Depends come from
# dpkg-shlibdeps; installed with apt (as root, as in CI; else unpacked with
# dpkg -x into a temporary root, and said so), the installed program runs a
# practice lab from its installed assets; the package is purged afterwards.
# The other tests use the build tree's binary, so an install cannot disturb
# them; a lock keeps two copies of this test from installing at once.
set -u
bin=$1
build=$(dirname "$bin")
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
tmp=$(mktemp -d)
installed=""
cleanup() {
    if [ -n "$installed" ]; then
        env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 origin-doctor \
            >/dev/null 2>&1 || echo "warning: could not purge origin-doctor" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The package from this build, installed under /usr.
(cd "$build" && cpack -G DEB -B "$tmp/pkg" -D CPACK_PACKAGING_INSTALL_PREFIX=/usr >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log" >&2; echo "package: cpack failed"; exit 1; }
deb=$(ls "$tmp"/pkg/origin-doctor_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok || { bad "no origin-doctor_*.deb made"; echo "package: $passed passed, $failed failed"; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/origin-doctor ./usr/share/man/man1/origin-doctor.1 \
         ./usr/share/origin-doctor/cloudfront-origin-policy.json ./usr/share/origin-doctor/fixes.json \
         ./usr/share/origin-doctor/managed-origin-request-policies.json \
         ./usr/share/bash-completion/completions/origin-doctor ./usr/share/zsh/vendor-completions/_origin-doctor; do
    grep -qxF -- "$f" <<<"$contents" && ok || bad "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libgnutls30 libncursesw6 libcjson1; do
    grep -q "$lib" <<<"$depends" && ok || bad "Depends lacks $lib (Depends: $depends)"
done

# A plain `cmake --install` into a prefix works too, and `uninstall` takes
# back every file it wrote.
if cmake --install "$build" --prefix "$tmp/prefix" >/dev/null 2>"$tmp/install.err"; then
    [ -x "$tmp/prefix/bin/origin-doctor" ] && [ -f "$tmp/prefix/share/man/man1/origin-doctor.1" ] && ok ||
        bad "cmake --install: files missing under the prefix"
    cmake --build "$build" --target uninstall >/dev/null 2>&1
    left=$(find "$tmp/prefix" -type f | head -3)
    [ -z "$left" ] && ok || bad "uninstall left: $left"
else
    bad "cmake --install failed: $(cat "$tmp/install.err")"
fi

run_lab() {   # the installed binary, with no asset hint: it must find its own
    env -u ORIGIN_DOCTOR_ASSETS "$1" --batch --lab wrong-order </dev/null >"$tmp/lab.out" 2>"$tmp/lab.err"
    local rc=$?
    if [ $rc -eq 1 ] && grep -q "CHAIN_WRONG_ORDER" "$tmp/lab.out"; then ok; else
        bad "$1 --batch --lab wrong-order: exit $rc, $(head -c 400 "$tmp/lab.err")"; fi
}

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    exec 9>/tmp/origin-doctor-package-test.lock
    flock -w 300 9 || { bad "another package test holds the lock"; exit 1; }
    if env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "$deb" \
            >"$tmp/apt.log" 2>&1; then
        installed=yes
        ok
        run_lab /usr/bin/origin-doctor
        [ "$(dpkg-query -W -f='${Status}' origin-doctor)" = "install ok installed" ] && ok || bad "dpkg: not installed"
        # the installed completion registers itself
        reg=$(bash -c 'source /usr/share/bash-completion/completions/origin-doctor; complete -p origin-doctor')
        [ "$reg" = "complete -F _origin_doctor origin-doctor" ] && ok || bad "installed completion: $reg"
        MANWIDTH=80 man -l /usr/share/man/man1/origin-doctor.1 2>/dev/null | grep -q "EXIT STATUS" && ok ||
            bad "installed man page does not render"
    else
        bad "apt-get install $deb failed: $(tail -5 "$tmp/apt.log")"
    fi
else
    echo "package: not root, so unpacked with dpkg -x into a temporary root instead of installed"
    dpkg -x "$deb" "$tmp/root" && ok || bad "dpkg -x failed"
    run_lab "$tmp/root/usr/bin/origin-doctor"
fi
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
