# shellcheck shell=sh
# profiles: scsi_debug
# kmemleak's positive control, on a kernel with kmemleak (the debug
# kernel; Debian's have none: SKIP).  The test build's leak_objects hook
# leaks objects that hold BLKLOCK-LEAK-CTL; kmemleak, scanned here while
# the module is loaded, must report them with blklock's frames, and the
# runner's scan at the end of the boot, after the rmmod, must still call
# them blklock's (vm-debug-<profile>/kmemleak-control), which is what
# tells a "no leaks" verdict from a check that cannot see any.
KL=/sys/kernel/debug/kmemleak
if [ ! -e $KL ]; then
	skip kmemleak "this kernel has no kmemleak (CONFIG_DEBUG_KMEMLEAK); the debug kernel runs it"
	exit 0
fi
HOOK=/sys/kernel/debug/blklock/leak_objects

insmod "$BLKLOCK_TEST_KO"
check load [ $? -eq 0 ]
check hook-refuses-zero sh -c "! echo 0 > $HOOK"
check hook-refuses-too-many sh -c "! echo 17 > $HOOK"
check hook-leaks sh -c "echo 4 > $HOOK"
echo "@@BLKTEST@@ KMEMLEAK-CONTROL"
check hook-dmesg sh -c "dmesg | grep -q 'test hook: leaked 4 objects of 256 bytes holding BLKLOCK-LEAK-CTL on purpose'"
# Objects younger than 5 s are not reported.  A stale copy of a pointer
# (a stack slot not yet overwritten) may hide one object from a scan,
# hence four objects and up to three scans.
n=0
i=0
while [ $i -lt 3 ] && [ "$n" = 0 ]; do
	sleep 6
	echo scan > $KL
	cat $KL > /tmp/kmemleak.out
	# Objects whose hex dump holds the mark (two lines each).
	n=$(awk '/^unreferenced object/ { o = $3 } /BLKLOCK-LEAK-CTL/ && o != "" { n++; o = "" } END { print n + 0 }' /tmp/kmemleak.out)
	i=$((i + 1))
done
figure "kmemleak reported $n of the 4 objects leaked on purpose after $i scan(s)"
check reported sh -c "[ $n -ge 1 ] && [ $n -le 4 ]"
check reported-in-blklock grep -q 'blklock_leak_one' /tmp/kmemleak.out
rmmod blklock
check unload [ $? -eq 0 ]
