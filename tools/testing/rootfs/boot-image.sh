# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# boot-test.sh's image: the packages, a copy of the cached root
# filesystem with them installed (DKMS builds blklock.ko in a chroot),
# the test's additions, the ext4 image the nodes boot and the helper
# VM's initramfs.  Kept in $IMG (out/boot-image/) under a key of what it
# was made from; image_stage reuses it when the key matches.
#
#   $IMG/base.ext4             the image (label blklock-root)
#   $IMG/boot/                 its kernel and initrd, for QEMU -kernel
#   $IMG/helper.gz             the helper VM's initramfs
#   $IMG/debs/                 the two packages installed in it
#   $IMG/.key                  written last, once every check passed

# image_key: a hash of the packages' sources (the tracked files, as they
# are in the work tree) or of the given packages, the cached root
# filesystem's stamp and this test's image files.
image_key() {
	{
		if [ -n "$DEBS" ]; then
			sha256sum "$DEBS"/blklock-dkms_*.deb "$DEBS"/blklock-tools_*.deb | cut -d' ' -f1
		else
			git -C "$TOP" ls-files -z -- Makefile Kbuild debian drivers include \
				tools/blklockctl tools/lib tools/deploy |
				(cd "$TOP" && xargs -0 sha256sum)
		fi
		cat "$ROOTFS/.stamp"
		cat "$ROOTFS_DIR"/{boot-image.sh,test-agent,blklock-test-agent.service}
	} | sha256sum | cut -d' ' -f1
}

# build_debs DIR: make deb in a copy of the sources under DIR (as
# package.sh does); the packages end in DIR/debs.
build_debs() {
	local w=$1/src/blklock
	mkdir -p "$w/tools" "$1/debs"
	cp -r "$TOP"/{Makefile,Kbuild,debian,drivers,include} "$w/"
	cp -r "$TOP"/tools/{blklockctl,lib,deploy} "$w/tools/"
	if ! make -C "$w" deb > "$LOGDIR/boot-deb.log" 2>&1; then
		fail "$CHECK_PREFIX/deb" "make deb failed: $(grep -m1 -E 'error|Error' "$LOGDIR/boot-deb.log")"
		return 1
	fi
	mv "$w"/out/deb/blklock-dkms_*.deb "$w"/out/deb/blklock-tools_*.deb "$1/debs/"
	rm -rf "$1/src"
	pass "$CHECK_PREFIX/deb"
}

# chroot_proc ROOT on|off: /proc in the chroot, for dpkg and DKMS (the
# tree has its own /dev nodes; nothing of the host's is bound into it).
chroot_proc() {
	if [ "$2" = on ]; then
		mount -t proc proc "$1/proc"
	elif mountpoint -q "$1/proc"; then
		umount "$1/proc"
	fi
}

# rm_image_dir DIR: remove DIR, never through a mount left in it.
rm_image_dir() {
	[ -d "$1/root" ] && chroot_proc "$1/root" off
	if awk -v d="$1/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
		echo "boot-test: $1 has a mount in it; not removing it" >&2
		return 1
	fi
	rm -rf "$1"
}

# install_debs ROOT: dpkg -i of both packages in the chroot; DKMS builds
# and installs blklock.ko for the image's kernel, signed with its MOK key.
install_debs() {
	local r=$1 ko rc
	cp "$2"/blklock-dkms_*.deb "$2"/blklock-tools_*.deb "$r/tmp/"
	# Nothing started in the chroot.
	printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
	chmod +x "$r/usr/sbin/policy-rc.d"
	trap 'chroot_proc "$r" off' EXIT
	chroot_proc "$r" on || return 1
	chroot "$r" sh -c 'dpkg -i /tmp/blklock-dkms_*.deb /tmp/blklock-tools_*.deb' \
		> "$LOGDIR/boot-dpkg.log" 2>&1
	rc=$?
	trap - EXIT
	cat "$r"/var/lib/dkms/blklock/*/"$KV"/*/log/make.log >> "$LOGDIR/boot-dpkg.log" 2>/dev/null
	chroot_proc "$r" off
	rm -f "$r/usr/sbin/policy-rc.d" "$r"/tmp/blklock-*.deb
	if [ $rc != 0 ]; then
		fail "$CHECK_PREFIX/dpkg" "dpkg -i exited $rc: $(grep -m1 -iE 'error' "$LOGDIR/boot-dpkg.log")"
		return 1
	fi
	pass "$CHECK_PREFIX/dpkg"
	ko=$(find "$r/lib/modules/$KV/updates/dkms" -name 'blklock.ko*' 2>/dev/null | head -n 1)
	if [ -z "$ko" ]; then
		fail "$CHECK_PREFIX/dkms-module" "no /lib/modules/$KV/updates/dkms/blklock.ko*; see $LOGDIR/boot-dpkg.log"
		return 1
	elif [ "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')" != "$KV" ]; then
		fail "$CHECK_PREFIX/dkms-module" "$(basename "$ko") is for $(modinfo -F vermagic "$ko")"
		return 1
	elif [ "$(modinfo -F signer "$ko")" != "DKMS module signing key" ]; then
		fail "$CHECK_PREFIX/dkms-module" "not signed with DKMS's MOK key (signer: $(modinfo -F signer "$ko"))"
		return 1
	elif ! grep -q 'updates/dkms/blklock\.ko' "$r/lib/modules/$KV/modules.dep"; then
		fail "$CHECK_PREFIX/dkms-module" "blklock is not in the image's modules.dep (no depmod)"
		return 1
	fi
	pass "$CHECK_PREFIX/dkms-module"
	log "DKMS built ${ko#"$r"} for $KV"
}

# customize ROOT: the admin's one step besides the configuration (enable
# the unit), and the test's own: the NIC by DHCP, the command channel,
# no apt timers.  The per-node files are written by node_image.
customize() {
	local r=$1
	install -m 0755 "$ROOTFS_DIR/test-agent" "$r/usr/local/sbin/blklock-test-agent"
	install -m 0644 "$ROOTFS_DIR/blklock-test-agent.service" "$r/etc/systemd/system/"
	printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' > "$r/etc/systemd/network/20-test.network"
	mkdir -p "$r/etc/iscsi/nodes"
	chmod 0700 "$r/etc/iscsi/nodes"
	chroot "$r" systemctl -q disable apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer fstrim.timer &&
	chroot "$r" systemctl -q enable systemd-networkd.service \
		systemd-networkd-wait-online.service blklock-test-agent.service &&
	chroot "$r" systemctl -q enable blklock.service
}

# helper_root ROOT: the helper VM's initramfs (cluster/guest-init as a
# node) with the blklock.ko DKMS built and the packaged blklockctl.
helper_root() {
	local r=$1 h=$IMG.new/helper ko
	busybox_root "$h"
	copy_modules "$h" "$KV" "$KIMG_612" sd_mod sg virtio_pci virtio_scsi \
		libcrc32c crc32c_generic
	ko=$(find "$r/lib/modules/$KV/updates/dkms" -name 'blklock.ko*' | head -n 1)
	case $ko in
	*.xz) xz -dc "$ko" > "$h/lib/modules/$KV/extra/blklock.ko" ;;
	*) cp "$ko" "$h/lib/modules/$KV/extra/blklock.ko" ;;
	esac
	copy_prog "$h" "$r/usr/sbin/blklockctl"
	depmod -b "$h" "$KV"
	install -m 0755 "$HERE/guest-init" "$h/init"
	pack_root "$h" "$IMG.new/helper.gz"
	rm -rf "$h"
}

# build_image: everything of $IMG, in $IMG.new, moved in place at the end.
build_image() {
	local n=$IMG.new r=$IMG.new/root used
	rm_image_dir "$n" || return 1
	mkdir -p "$n/boot"
	if [ -n "$DEBS" ]; then
		mkdir -p "$n/debs"
		cp "$DEBS"/blklock-dkms_*.deb "$DEBS"/blklock-tools_*.deb "$n/debs/"
		log "packages from $DEBS: $(cd "$n/debs" && echo *)"
	else
		build_debs "$n" || return 1
	fi
	stage_done packages
	cp -a "$ROOTFS/root" "$r"
	install_debs "$r" "$n/debs" || return 1
	customize "$r" || { fail "$CHECK_PREFIX/image" "systemctl enable in the chroot failed"; return 1; }
	helper_root "$r"
	cp "$r/boot/vmlinuz-$KV" "$r/boot/initrd.img-$KV" "$n/boot/"
	used=$(du -sm "$r" | cut -f1)
	mke2fs -q -t ext4 -L blklock-root -d "$r" "$n/base.ext4" "$((used + 768))M" > /dev/null ||
		{ fail "$CHECK_PREFIX/image" "mke2fs failed"; return 1; }
	rm_image_dir "$r" || return 1
	pass "$CHECK_PREFIX/image"
}

image_stage() {
	local key
	key=$(image_key)
	if [ "$REBUILD" = 0 ] && [ -f "$IMG/base.ext4" ] && [ "$(cat "$IMG/.key" 2>/dev/null)" = "$key" ]; then
		skip "$CHECK_PREFIX/image" "reused $IMG (same sources, root filesystem and test files; its package and DKMS checks passed when it was built; --rebuild builds it again)"
		stage_done image
		return 0
	fi
	log "building the image in $IMG (packages, dpkg and DKMS in a chroot of a copy of $ROOTFS/root)"
	build_image || die image "the image could not be built; what there is is in $IMG.new"
	echo "$key" > "$IMG.new/.key"
	rm_image_dir "$IMG" || die image "could not replace $IMG"
	mv "$IMG.new" "$IMG"
	stage_done image
}
