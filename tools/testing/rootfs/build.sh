#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds, once, the Debian 12 root filesystem that the systemd boot test
# of the packages will boot on two nodes (issue 14): systemd as init,
# udev, open-iscsi, DKMS (and openssl, which blklock-dkms needs to sign),
# resource-agents and libxml2-utils (ocf-tester, for the OCF agent)
# with Debian's 6.12 kernel image and headers of
# the same version as the cached ones ($KVER_612 in env.sh), from the
# Debian archive that apt uses on this machine.  mmdebstrap builds it
# (no VM, nothing booted); the result is cached, like the kernel images:
#
#   $CACHE/rootfs-deb12/root/        the tree (install the packages into
#                                    a copy of it with chroot/dpkg)
#   $CACHE/rootfs-deb12/root.ext4    the same as a raw ext4 image, label
#                                    blklock-root (VMs boot from qcow2
#                                    overlays of it)
#   $CACHE/rootfs-deb12/.stamp       hash of what it was built from: the
#                                    package list, the kernel version, the
#                                    apt sources and the customisations
#
# It is built again only when that hash changes (or with --force).  Runs
# under nice -n 19.  Root password empty, /etc/fstab mounts LABEL=blklock-root
# on /; the serial console gets a login prompt (console=ttyS0).
#
#   tools/testing/rootfs/build.sh [--force]
set -euo pipefail
[ "$(nice)" -ge 19 ] || exec nice -n 19 "$0" "$@"
. "$(dirname "$0")/../lib.sh"
load_env

OUT=$CACHE/rootfs-deb12
PKGS=(
	systemd systemd-sysv udev dbus kmod iproute2 procps less
	open-iscsi sg3-utils dkms openssl resource-agents libxml2-utils
	"linux-image-$KVER_612" "linux-headers-$KVER_612"
)
# What the image is made of, besides the packages (changes the stamp);
# mmdebstrap runs each hook with the tree's path as $1.
# shellcheck disable=SC2016
CUSTOMIZE=(
	'echo blklock-node > "$1/etc/hostname"'
	'echo "LABEL=blklock-root / ext4 defaults 0 1" > "$1/etc/fstab"'
	'chroot "$1" passwd -d root'
)

log() { echo "rootfs: $*" >&2; }

# The apt sources of this machine that name Debian 12 (bookworm): the same
# archive, mirror and security suite as the host's own packages.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && grep -q '^[^#]*bookworm' "$f" && sources+=("$f")
done
if ((${#sources[@]} == 0)); then
	log "no bookworm entry in /etc/apt: mmdebstrap's default, http://deb.debian.org/debian"
	srctext=default
else
	srctext=$(cat "${sources[@]}")
fi

stamp=$( { printf '%s\n' "${PKGS[@]}" "${CUSTOMIZE[@]}"; echo "$srctext"; } | sha256sum | cut -d' ' -f1)
if [ "${1:-}" != --force ] && [ -f "$OUT/root.ext4" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
	log "cached: $OUT ($(du -sh --apparent-size "$OUT/root.ext4" | cut -f1) image)"
	exit 0
fi
command -v mmdebstrap > /dev/null || { log "mmdebstrap is not installed (apt-get install mmdebstrap)"; exit 1; }

start=$(date +%s)
rm -rf "$OUT.new"
mkdir -p "$OUT.new"
hooks=()
for h in "${CUSTOMIZE[@]}"; do
	hooks+=(--customize-hook="$h")
done
log "mmdebstrap bookworm into $OUT.new/root ($(IFS=,; echo "${PKGS[*]}"))"
# No documentation but the copyrights, no translations: a smaller image.
mmdebstrap --variant=apt --mode=root --format=directory \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--include="$(IFS=,; echo "${PKGS[*]}")" "${hooks[@]}" \
	bookworm "$OUT.new/root" "${sources[@]}" > "$LOGDIR/rootfs-mmdebstrap.log" 2>&1 || {
	log "mmdebstrap failed: $(tail -n 3 "$LOGDIR/rootfs-mmdebstrap.log" | tr '\n' ' ')"
	exit 1
}
if [ ! -d "$OUT.new/root/lib/modules/$KVER_612/kernel" ] ||
   [ ! -f "$OUT.new/root/usr/src/linux-headers-$KVER_612/Makefile" ]; then
	log "the tree lacks the modules or headers of $KVER_612"
	exit 1
fi

# The image: the tree plus room for DKMS builds, logs and the packages.
used_mb=$(du -sm "$OUT.new/root" | cut -f1)
mke2fs -q -t ext4 -L blklock-root -d "$OUT.new/root" "$OUT.new/root.ext4" "$((used_mb * 3 / 2 + 1024))M"
echo "$stamp" > "$OUT.new/.stamp"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
log "built in $(($(date +%s) - start)) s: tree $(du -sh "$OUT/root" | cut -f1), image $(du -sh --apparent-size "$OUT/root.ext4" | cut -f1) ($(du -sh "$OUT/root.ext4" | cut -f1) on disk)"
