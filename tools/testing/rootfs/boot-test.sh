#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Commands in single quotes are expanded by the guest's sh (SC2016):
# shellcheck source-path=SCRIPTDIR disable=SC2016
#
# The admin path of the README's "Quick start on cluster nodes", on two
# booted Debian 12 nodes with systemd as init (issue 14):
#
#   1. the packages: make deb in a copy of the sources (as the package
#      stage does), or the ones given with --debs DIR
#   2. the image: a copy of the cached root filesystem (rootfs/build.sh)
#      with the two packages installed by dpkg in a chroot, DKMS building
#      blklock.ko for Debian's 6.12 kernel in it; blklock.service enabled
#      (systemctl enable blklock), systemd-networkd for the NIC and the
#      test's command channel (blklock-test-agent.service on ttyS1)
#   3. a target VM (cluster/lib.sh's) serves one LUN over iSCSI (LIO) on a
#      loopback port; a helper VM (busybox, QEMU's iSCSI initiator, the
#      blklock.ko DKMS built) formats a lockspace on it and reads its uuid
#   4. two node VMs boot the image (Debian's kernel and initrd, systemd,
#      TCG), each with its own copy of it in which open-iscsi logs in at
#      boot to the target (a node record with node.startup = automatic,
#      portal 10.0.2.2:PORT, QEMU's user network) and /etc/blklock.conf
#      says "uuid=<U> node=<N>".  Node 2 has a local SCSI disk first, so
#      the LUN is sda on node 1 and sdb on node 2.
#   5. checks: blklock.service active, the lockspace attached persistently
#      by uuid on the LUN's disk, /dev/disk/by-blklock/<uuid> pointing to
#      it, a lock held by a service of node 1 seen held by node 1 from
#      node 2; node 1's systemctl poweroff detaches cleanly (its slot reads
#      "left" from node 2, the lock is free); systemctl stop blklock on
#      node 2 detaches it too.
#
# The image is kept in out/boot-image/ and reused by the next run when the
# sources of the packages, the cached root filesystem and this test's
# files are the same (a warm run: no make deb, no DKMS); nothing of
# blklock's goes into the shared rootfs cache.  The VMs' consoles are in
# out/logs/boot-*.console.log.
#
#   tools/testing/rootfs/boot-test.sh [--debs DIR] [--rebuild] [--keep]
#     --debs DIR   blklock-dkms_*.deb and blklock-tools_*.deb from DIR
#     --rebuild    build the image even if a matching one is kept
#     --keep       leave the VMs running at the end (debug)
set -uo pipefail
ROOTFS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$ROOTFS_DIR/../lib.sh"
load_env

DEBS=""
REBUILD=0
# shellcheck disable=SC2034 # read by cluster/lib.sh
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--debs) DEBS=$(cd "$2" && pwd) || exit 2; shift ;;
	--rebuild) REBUILD=1 ;;
	--keep) KEEP=1 ;;
	*) echo "usage: $0 [--debs DIR] [--rebuild] [--keep]" >&2; exit 2 ;;
	esac
	shift
done

# cluster/lib.sh: the target VM, boot, on, wait_agent, check, cleanup.
HERE=$TOP/tools/testing/cluster
D=$OUTDIR/boot-test
CHECK_PREFIX=boot
CLUSTER_LOGS=$LOGDIR/boot
# shellcheck source=../cluster/lib.sh
. "$HERE/lib.sh"

IMG=$OUTDIR/boot-image
ROOTFS=$CACHE/rootfs-deb12
KV=$KVER_612
npass=0
nfail=0
nskip=0
pass() { npass=$((npass + 1)); echo "PASS $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $1: $2"; }
skip() { nskip=$((nskip + 1)); echo "SKIP $1: $2"; }
log() { echo "boot-test: $*"; }
T0=$(date +%s)
STAGE_T=$T0
# stage_done NAME: how long the stage that just ended took.
stage_done() {
	local now
	now=$(date +%s)
	log "stage $1: $((now - STAGE_T)) s"
	STAGE_T=$now
}
finish() {
	log "total $(($(date +%s) - T0)) s: $npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" = 0 ]
	exit
}
die() {
	fail "$CHECK_PREFIX/$1" "$2"
	finish
}

# shellcheck source=boot-image.sh
. "$ROOTFS_DIR/boot-image.sh"
# shellcheck source=boot-nodes.sh
. "$ROOTFS_DIR/boot-nodes.sh"

[ -f "$ROOTFS/.stamp" ] && [ -d "$ROOTFS/root/usr" ] || die rootfs "no $ROOTFS/root: run tools/testing/rootfs/build.sh first"
for c in debugfs mke2fs dpkg-deb chroot xz; do
	command -v "$c" > /dev/null || die tools "$c is not installed"
done

image_stage
# The run's directory; from here on the VMs end with the script.
cluster_init
target_up
format_lun
nodes_up
node_checks
lock_check
ocf_check
shutdown_check
finish
