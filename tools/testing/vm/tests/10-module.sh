# shellcheck shell=sh
# The module loads, registers /dev/blklock (a char device, mode 0600),
# says so in dmesg, and unloads leaving nothing behind.
load_blklock
check load [ $? -eq 0 ]
check dev-is-char [ -c /dev/blklock ]
check dev-mode-0600 [ "$(stat -c %a /dev/blklock)" = 600 ]
check dev-owner-root [ "$(stat -c %u:%g /dev/blklock)" = 0:0 ]
check misc-registered grep -q " blklock$" /proc/misc
check sysfs-dir [ -d /sys/kernel/blklock ]
check dmesg-loaded sh -c "dmesg | grep -q '^\[.*\] blklock: loaded$'"
rmmod blklock
check unload [ $? -eq 0 ]
check dev-gone [ ! -e /dev/blklock ]
check module-gone [ ! -e /sys/module/blklock ]
check sysfs-gone [ ! -e /sys/kernel/blklock ]
check misc-gone sh -c "! grep -q ' blklock$' /proc/misc"
check dmesg-unloaded sh -c "dmesg | grep -q '^\[.*\] blklock: unloaded$'"
check no-kernel-warnings sh -c "! dmesg | grep -qE 'BUG:|WARNING:|Oops|Call Trace'"
