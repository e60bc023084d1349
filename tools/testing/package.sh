#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package stage of make check, in a copy of the sources under
# out/package/ (the tree stays clean):
#   - make deb builds blklock-dkms and blklock-tools (debian/)
#   - each package holds what it should and nothing else (dpkg-deb -c),
#     the example /etc/blklock.conf is a conffile with every line
#     commented, blklockctl --version says the package's version
#   - lintian: an error fails, warnings are printed
#   - systemd-analyze verify finds nothing to say about blklock.service
#   - DKMS builds the module from blklock-dkms's /usr/src tree for the
#     6.1 and 6.12 headers, in a private DKMS tree (--dkmstree) with a
#     throw-away MOK key, never installed: blklock.ko for each kernel,
#     signed with that key, without a compiler warning
#   - make modules_install INSTALL_MOD_PATH=... installs blklock.ko, and
#     make with no KDIR picks the headers the Makefile says it picks
set -uo pipefail
. "$(dirname "$0")/lib.sh"
load_env

# Every FAIL line also makes the script exit 1.
failed=0
fail() { failed=1; echo "FAIL $1: $2"; }

W=$OUTDIR/package
SRC=$W/src/blklock
DEB=$SRC/out/deb
rm -rf "$W"
mkdir -p "$W/src"

# The files a package holds, directories left out, without the leading "./".
deb_files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort; }

build() {
	mkdir -p "$SRC/tools"
	cp -r "$TOP"/{Makefile,Kbuild,debian,drivers,include} "$SRC/"
	cp -r "$TOP"/tools/{blklockctl,lib,deploy} "$SRC/tools/"
	if ! make -C "$SRC" deb > "$LOGDIR/package-deb.log" 2>&1; then
		fail package/deb "make deb failed: $(grep -m1 -E 'error|Error' "$LOGDIR/package-deb.log")"
		return 1
	fi
	VER=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -SVersion)
	ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
	DKMS_DEB=$DEB/blklock-dkms_${VER}_all.deb
	TOOLS_DEB=$DEB/blklock-tools_${VER}_$ARCH.deb
	if [ -f "$DKMS_DEB" ] && [ -f "$TOOLS_DEB" ] && [ -f "$DEB/blklock_${VER}_$ARCH.changes" ] &&
	   [ -z "$(find "$W/src" -maxdepth 1 -type f)" ]; then
		pass package/deb
	else
		fail package/deb "out/deb holds $(cd "$DEB" 2>/dev/null && echo *), left in $W/src: $(find "$W/src" -maxdepth 1 -type f -printf '%f ')"
		return 1
	fi
}

# blklock-dkms: the sources the top-level Kbuild compiles, its headers,
# compat.mk, the uapi header, dkms.conf; no KUnit suite, no test hook, no
# build output.
check_dkms_deb() {
	local s=usr/src/blklock-$VER f obj want=() bad missing=""
	want=("$s/Kbuild" "$s/dkms.conf" "$s/include/uapi/linux/blklock.h"
	      "$s/drivers/blklock/compat.mk" "$s/drivers/blklock/compat.h"
	      "$s/drivers/blklock/blklock.h")
	for obj in $(grep -o 'drivers/blklock/[a-z0-9_]*\.o' "$TOP/Kbuild" | grep -v hooks.o); do
		want+=("$s/${obj%.o}.c")
	done
	deb_files "$DKMS_DEB" > "$W/dkms.list"
	for f in "${want[@]}"; do
		grep -qxF "$f" "$W/dkms.list" || missing+=" $f"
	done
	bad=$(grep -vE "^($s/(Kbuild|dkms\.conf|include/uapi/linux/blklock\.h|drivers/blklock/(compat\.mk|[a-z0-9_]+\.[ch]))|usr/share/doc/blklock-dkms/(copyright|changelog\.gz))$" \
		"$W/dkms.list" | tr '\n' ' ')
	bad+=$(grep -E '_test\.[ch]$|/hooks\.c$' "$W/dkms.list" | tr '\n' ' ')
	if [ -n "$missing" ] || [ -n "$bad" ]; then
		fail package/contents-dkms "missing:${missing:- none}; unexpected: ${bad:-none}"
		return 1
	fi
	pass package/contents-dkms
	# DKMS signs only with openssl, which Debian 12's dkms does not pull in.
	local dep
	dep=$(dpkg-deb -f "$DKMS_DEB" Depends)
	if echo "$dep" | grep -qE '(^|, )dkms( |,|$)' && echo "$dep" | grep -qE '(^|, )openssl( |,|$)'; then
		pass package/depends-dkms
	else
		fail package/depends-dkms "Depends: $dep (want dkms and openssl)"
	fi
}

check_tools_deb() {
	local want got conf
	want=$(printf '%s\n' etc/blklock.conf lib/systemd/system/blklock.service \
		lib/udev/rules.d/60-blklock.rules usr/include/linux/blklock.h \
		usr/lib/ocf/resource.d/blklock/lock \
		usr/sbin/blklockctl usr/share/man/man8/blklockctl.8.gz \
		usr/share/doc/blklock-tools/copyright usr/share/doc/blklock-tools/changelog.gz | sort)
	got=$(deb_files "$TOOLS_DEB")
	if [ "$got" != "$want" ]; then
		fail package/contents-tools "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
		return 1
	fi
	pass package/contents-tools
	dpkg-deb -x "$TOOLS_DEB" "$W/tools-root"
	dpkg-deb -e "$TOOLS_DEB" "$W/tools-control"
	conf=$(cat "$W/tools-control/conffiles" 2>/dev/null)
	if [ "$conf" != /etc/blklock.conf ]; then
		fail package/conffile "conffiles: ${conf:-none}, want /etc/blklock.conf"
	elif grep -qvE '^(#|[[:space:]]*$)' "$W/tools-root/etc/blklock.conf"; then
		fail package/conffile "the example /etc/blklock.conf has a line that is not a comment: $(grep -m1 -vE '^(#|[[:space:]]*$)' "$W/tools-root/etc/blklock.conf")"
	else
		pass package/conffile
	fi
	got=$("$W/tools-root/usr/sbin/blklockctl" --version 2>&1 | awk '{ print $2; exit }')
	if [ "$got" = "$VER" ]; then
		pass package/version
	else
		fail package/version "blklockctl --version says ${got:-nothing}, debian/changelog $VER"
	fi
}

run_lintian() {
	local out
	if ! command -v lintian > /dev/null; then
		skip package/lintian "lintian is not installed (tools/testing/setup.sh installs it)"
		return 0
	fi
	local log=$LOGDIR/package-lintian.log rc=0
	lintian --fail-on error "$DEB/blklock_${VER}_$ARCH.changes" > "$log" 2>&1 || rc=$?
	# Its findings (warnings too) go to the stage's stderr.
	grep -v 'running with root privileges' "$log" | sed 's/^/lintian: /' >&2
	if [ "$rc" = 0 ]; then
		pass package/lintian
	else
		fail package/lintian "exit $rc, $(grep -m1 '^E:' "$log")"
	fi
}

# The unit in a root that holds systemd's units and the programs it runs.
verify_unit() {
	local r=$W/unit-root out
	if ! command -v systemd-analyze > /dev/null; then
		skip package/unit "systemd-analyze is not installed"
		return 0
	fi
	mkdir -p "$r/usr/lib/systemd" "$r/usr/sbin"
	ln -s usr/lib "$r/lib"
	ln -s usr/sbin "$r/sbin"
	cp -r /usr/lib/systemd/system "$r/usr/lib/systemd/"
	cp "$W/tools-root/lib/systemd/system/blklock.service" "$r/usr/lib/systemd/system/"
	cp "$W/tools-root/usr/sbin/blklockctl" "$r/usr/sbin/"
	cp "$(command -v kmod)" "$r/usr/sbin/modprobe"
	if out=$(systemd-analyze verify --man=no --root="$r" blklock.service 2>&1) &&
	   [ -z "$out" ]; then
		pass package/unit
	else
		fail package/unit "systemd-analyze verify: $(echo "$out" | head -n 1)"
	fi
}

# dkms_build KVER KDIR NAME: build (not install) in a private DKMS tree.
dkms_build() {
	local kver=$1 kdir=$2 name=package/dkms-$3 d=$W/dkms-$3 ko log
	mkdir -p "$d/tree" "$d/src"
	cp -r "$W/dkms-root/usr/src/blklock-$VER" "$d/src/"
	log=$LOGDIR/package-dkms-$3.log
	if ! mok_signing_key=$W/mok.key mok_certificate=$W/mok.pub \
		dkms build --dkmstree "$d/tree" --sourcetree "$d/src" -m blklock -v "$VER" \
		-k "$kver" --kernelsourcedir "$kdir" > "$log" 2>&1; then
		fail "$name" "dkms build failed: $(grep -m1 -iE 'error' "$log" "$d/tree/blklock/$VER/build/make.log" 2>/dev/null)"
		return 1
	fi
	cat "$d/tree/blklock/$VER/$kver/"*/log/make.log >> "$log" 2>/dev/null
	ko=$(find "$d/tree/blklock/$VER/$kver" -name 'blklock.ko*' | head -n 1)
	if [ -z "$ko" ]; then
		fail "$name" "no blklock.ko in $d/tree/blklock/$VER/$kver"
	elif [ "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')" != "$kver" ]; then
		fail "$name" "$(basename "$ko") is for $(modinfo -F vermagic "$ko"), not $kver"
	elif [ "$(modinfo -F signer "$ko")" != "DKMS module signing key" ]; then
		fail "$name" "$(basename "$ko") is not signed with DKMS's MOK key (signer: $(modinfo -F signer "$ko"))"
	elif grep -q 'warning:' "$log"; then
		fail "$name" "$(grep -m1 'warning:' "$log")"
	else
		pass "$name"
		return 0
	fi
	return 1
}

check_dkms() {
	if ! command -v dkms > /dev/null; then
		fail package/dkms "dkms is not installed (tools/testing/setup.sh installs it)"
		return 1
	fi
	dpkg-deb -x "$DKMS_DEB" "$W/dkms-root"
	dkms_build "$KVER_61" "$KDIR_61" 6.1
	dkms_build "$KVER_612" "$KDIR_612" 6.12
}

# make modules_install into a directory, and the headers make picks alone.
check_make() {
	local dest=$W/modules ko want got
	if ! make -C "$SRC" modules_install KDIR="$KDIR_61" INSTALL_MOD_PATH="$dest" \
		> "$LOGDIR/package-modules_install.log" 2>&1; then
		fail package/modules_install "$(grep -m1 -E 'error|Error' "$LOGDIR/package-modules_install.log")"
	else
		ko=$(find "$dest/lib/modules/$KVER_61" -path '*/extra/blklock.ko*' -o -path '*/updates/blklock.ko*' 2>/dev/null | head -n 1)
		if [ -n "$ko" ] && [ "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')" = "$KVER_61" ]; then
			pass package/modules_install
		else
			fail package/modules_install "no blklock.ko for $KVER_61 under $dest: $(find "$dest" -type f | head -n 3 | tr '\n' ' ')"
		fi
	fi
	want=/lib/modules/$(uname -r)/build
	[ -f "$want/Makefile" ] || want=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.1.*-amd64' | sort | tail -n 1)
	got=$(make -s -C "$SRC" --eval='print-kdir: ; @echo $(KDIR)' print-kdir)
	if [ "$got" = "$want" ]; then
		pass package/default-kdir
	else
		fail package/default-kdir "make without KDIR builds against '${got:-?}', want $want"
	fi
}

if build; then
	check_dkms_deb
	check_tools_deb
	run_lintian
	verify_unit
	check_dkms
	check_make
fi
exit $failed
