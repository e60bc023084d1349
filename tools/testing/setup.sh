#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs everything blklock's build, tests and demo need on a Debian 12
# machine, and prepares the kernel images and sources they use.  Safe to
# run again: it only does what is missing.  Run as root.
#
#   - packages (apt-get): QEMU, busybox-static, Debian's kernel headers
#     for 6.1 and 6.12, sg3-utils, sparse, linux-source-6.12 and the UML
#     build tools, gcc-multilib (32-bit ABI test), Sphinx, and
#     the script linter, spin (the protocol model, tools/model), and
#     what make deb and the package stage use: debhelper, dh-dkms, dkms,
#     lintian (dkms is only run with a private tree, never to install),
#     and mmdebstrap for the Debian 12 root filesystem (rootfs/build.sh);
#     resource-agents (ocf-tester) and libxml2-utils for the OCF agent
#   - Debian's own kernel images matching those headers, fetched with
#     apt-get download and unpacked (never installed) under $BLKLOCK_CACHE
#   - the linux-source-6.12 tree, extracted under $BLKLOCK_CACHE
#   - $BLKLOCK_CACHE/env.sh, which the other scripts source
#   - the debug kernel (KASAN, lockdep, kmemleak...) built from that tree
#     by debug-kernel/build.sh, once (80 minutes on 2 cores shared with four
#     other jobs; not yet measured on idle cores)
#   - the Debian 12 root filesystem of the systemd boot test, built with
#     mmdebstrap by rootfs/build.sh, once (5 to 10 minutes)
set -euo pipefail

CACHE=${BLKLOCK_CACHE:-/var/cache/blklock}
export DEBIAN_FRONTEND=noninteractive

PKGS=(
	qemu-system-x86 qemu-block-extra busybox-static kmod cpio xz-utils
	linux-headers-amd64 linux-headers-6.12-amd64
	linux-source-6.12 flex bison bc libelf-dev libssl-dev python3
	gcc make libc6-dev gcc-multilib sparse sg3-utils groff-base
	python3-sphinx shellcheck spin
	dpkg-dev debhelper dh-dkms dkms lintian fakeroot mmdebstrap
	resource-agents libxml2-utils dmsetup
)

log() { echo "setup: $*" >&2; }

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The header package each metapackage installed, e.g. 6.1.0-56-amd64.
kver_of() {
	dpkg-query -W -f='${Depends}' "$1" |
		tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*\).*/\1/p' | head -n 1
}
KVER_61=$(kver_of linux-headers-amd64)
KVER_612=$(kver_of linux-headers-6.12-amd64)
[ -n "$KVER_61" ] && [ -n "$KVER_612" ] || { log "cannot tell the kernel versions"; exit 1; }

# Unpack Debian's image of KVER (same source version as its headers).
fetch_image() {
	local kver=$1 dir=$CACHE/kernels/$1 ver deb
	[ -f "$dir/.ready" ] && return 0
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
	mkdir -p "$CACHE/debs"
	deb=$(ls "$CACHE/debs/linux-image-${kver}_${ver}_amd64.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		log "downloading linux-image-$kver $ver"
		(cd "$CACHE/debs" && apt-get download -qq "linux-image-$kver=$ver" 2>/dev/null ||
			apt-get download -qq "linux-image-$kver" 2>/dev/null ||
			{ apt-get update -qq && apt-get download -qq "linux-image-$kver"; })
		deb=$(ls "$CACHE"/debs/linux-image-"${kver}"_*_amd64.deb | head -n 1)
	fi
	log "unpacking $(basename "$deb")"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir"
	# Plain .ko files keep the guest's log free of "Invalid ELF header".
	find "$dir/lib/modules" -name '*.ko.xz' -print0 | xargs -0 -r -P 2 -n 64 xz -d
	depmod -b "$dir" "$kver"
	touch "$dir/.ready"
}
fetch_image "$KVER_61"
fetch_image "$KVER_612"

KSRC=$CACHE/src/linux-source-6.12
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
if [ "$(cat "$CACHE/src/.version" 2>/dev/null)" != "$srcver" ] || [ ! -f "$KSRC/Makefile" ]; then
	log "extracting linux-source-6.12 $srcver"
	rm -rf "$KSRC" "$CACHE/kunit-build"
	mkdir -p "$CACHE/src"
	tar -C "$CACHE/src" -xJf /usr/src/linux-source-6.12.tar.xz
	echo "$srcver" > "$CACHE/src/.version"
fi

cat > "$CACHE/env.sh.new" <<ENV
# written by tools/testing/setup.sh
KVER_61=$KVER_61
KDIR_61=/usr/src/linux-headers-$KVER_61
KIMG_61=$CACHE/kernels/$KVER_61
KVER_612=$KVER_612
KDIR_612=/usr/src/linux-headers-$KVER_612
KIMG_612=$CACHE/kernels/$KVER_612
KSRC=$KSRC
ENV
mv "$CACHE/env.sh.new" "$CACHE/env.sh"
"$(dirname "$0")/debug-kernel/build.sh"
"$(dirname "$0")/rootfs/build.sh"
log "ready: kernels $KVER_61, $KVER_612 and $(sed -n 's/^KVER_DBG=//p' "$CACHE/env.sh"), cache $CACHE"
