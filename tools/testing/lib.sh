# SPDX-License-Identifier: GPL-2.0
# Shared by the host-side test scripts: paths, cache, result lines.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${BLKLOCK_CACHE:-/var/cache/blklock}
OUTDIR=$TOP/out
LOGDIR=$OUTDIR/logs
mkdir -p "$LOGDIR"

load_env() {
	if [ ! -f "$CACHE/env.sh" ]; then
		echo "no $CACHE/env.sh: run tools/testing/setup.sh (make setup) first" >&2
		exit 1
	fi
	# shellcheck source=/dev/null
	. "$CACHE/env.sh"
}

# Result lines counted by check.sh.
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# short name of a kernel version: 6.1 or 6.12
kshort() { echo "$1" | cut -d. -f1,2; }

# copy_prog ROOT PROG: copy a dynamically linked program into the
# initramfs tree ROOT with the libraries ldd names.
copy_prog() {
	local root=$1 prog lib
	prog=$(command -v "$2")
	mkdir -p "$root/usr/bin"
	cp "$prog" "$root/usr/bin/"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# copy_modules ROOT KVER KIMG MODULE...: the modules and everything they
# depend on, from the unpacked Debian kernel KIMG, plus depmod's files.
copy_modules() {
	local root=$1 kver=$2 kimg=$3 m f
	shift 3
	mkdir -p "$root/lib/modules/$kver/extra"
	for m in "$@"; do
		modprobe -d "$kimg" -S "$kver" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r f; do
		mkdir -p "$root/$(dirname "${f#"$kimg"/}")"
		cp "$f" "$root/${f#"$kimg"/}"
	done
	cp "$kimg/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null || true
}

# busybox_root ROOT: a fresh initramfs tree with busybox and its applets.
busybox_root() {
	local root=$1 a
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,dev,proc,sys,tmp}
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
}

# pack_root ROOT FILE: the tree as a gzipped newc cpio archive.
pack_root() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"
}
