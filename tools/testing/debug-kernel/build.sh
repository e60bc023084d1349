#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the debug kernel of the VM tests once, from the linux-source-6.12
# tree that setup.sh extracted: allnoconfig plus debug.config (KASAN,
# lockdep, kmemleak, UBSAN, debug objects, fault injection).  The output
# is laid out like Debian's unpacked images, so the VM runner and the
# module build use it the same way:
#
#   $CACHE/debug-build                 the build tree (KDIR for blklock.ko)
#   $CACHE/kernels/<release>/boot/vmlinuz-<release>
#   $CACHE/kernels/<release>/lib/modules/<release>/
#
# It rebuilds only when debug.config or the source version changed, and
# appends KVER_DBG, KDIR_DBG and KIMG_DBG to $CACHE/env.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
load_env

BUILD=$CACHE/debug-build
FRAG=$HERE/debug.config
stamp="$(sha256sum "$FRAG" | cut -c1-16) $(cat "$CACHE/src/.version" 2>/dev/null)"
# put_env: the debug kernel's lines of env.sh (setup.sh rewrites that file)
put_env() {
	sed -i '/^K\(VER\|DIR\|IMG\)_DBG=/d' "$CACHE/env.sh"
	cat "$BUILD/env" >> "$CACHE/env.sh"
}
if [ -f "$BUILD/.blklock-ready" ] && [ "$(cat "$BUILD/.blklock-ready")" = "$stamp" ] &&
	[ -f "$BUILD/env" ]; then
	put_env
	echo "debug kernel: up to date ($(sed -n 's/^KVER_DBG=//p' "$BUILD/env"))" >&2
	exit 0
fi

t0=$(date +%s)
mkdir -p "$BUILD"
rm -f "$BUILD/.blklock-ready"
kmake() { make -s -C "$KSRC" O="$BUILD" LOCALVERSION=-blklock-debug "$@"; }
(cd "$KSRC" && KCONFIG_CONFIG="$BUILD/.config" \
	scripts/kconfig/merge_config.sh -n -m /dev/null "$FRAG" > "$BUILD/merge.log")
kmake KCONFIG_ALLCONFIG="$BUILD/.config" allnoconfig > /dev/null
# Every option of the fragment must have come out as asked.
bad=0
while IFS= read -r line; do
	case $line in CONFIG_*=n) opt=${line%=n}; want="# $opt is not set" ;;
	CONFIG_*) want=$line ;; *) continue ;; esac
	if ! grep -qxF "$want" "$BUILD/.config"; then
		echo "debug kernel: $line did not stick ($(grep -E "^(# )?${line%%=*}[= ]" "$BUILD/.config" || echo unset))" >&2
		bad=1
	fi
done < "$FRAG"
[ "$bad" = 0 ] || exit 1

kmake -j"$(nproc)" bzImage modules
kver=$(kmake kernelrelease)
img=$CACHE/kernels/$kver
rm -rf "$img"
mkdir -p "$img/boot"
cp "$BUILD/arch/x86/boot/bzImage" "$img/boot/vmlinuz-$kver"
kmake INSTALL_MOD_PATH="$img" modules_install > /dev/null
rm -f "$img/lib/modules/$kver/build" "$img/lib/modules/$kver/source"

cat > "$BUILD/env" <<ENV
KVER_DBG=$kver
KDIR_DBG=$BUILD
KIMG_DBG=$img
ENV
put_env
echo "$stamp" > "$BUILD/.blklock-ready"
echo "debug kernel: built $kver in $(($(date +%s) - t0)) s" >&2
