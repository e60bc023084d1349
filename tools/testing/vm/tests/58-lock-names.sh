# shellcheck shell=sh disable=SC2086
# profiles: scsi_debug lio
# Named locks (format 4), on a lockspace of 16 records: a name is
# created in the record at its home (CRC-32C of the name modulo 16,
# computed here beforehand: db1 and c7 both start at 7, race1 at 2,
# victim at 2), read back through the other path with blklock-disk (name,
# its own CRC, the DELETED flag); the second name of one home goes to
# the next record; both nodes find one name at one index; a held named
# lock is busy for the other node with the seed's two lines unchanged and
# the name in the detail line; delete is refused while held, leaves a
# tombstone, and create revives it; two nodes creating names at once
# never give one name two records; a full lockspace says ENOSPC; a
# damaged named record, repaired, becomes a nameless tombstone that
# probes pass; a format 3 lockspace refuses names with EOPNOTSUPP.
. ./lock-lib.sh

load_blklock
blklockctl format "$DISK_A" --locks 16 --max-nodes 8 --force > /dev/null 2>&1
check lnames-format [ $? -eq 0 ]
rmmod blklock
mark_dmesg
load_blklock dev="$DISK_A" node_id=1
check lnames-load [ $? -eq 0 ]
LL=$(cat "$(sysdir "$A")/lock_lba")

# The name of the record at lock I ("" if none), its flags, its name CRC.
rname() { blklock-disk record "$DISK_B" $((LL + $1)) | sed -n 's/.* name \([^ ]*\) name_crc .*/\1/p'; }
rflags() { rec $((LL + $1)) flags; }
rnamecrc() { rec $((LL + $1)) name_crc; }
# How many of the 16 records carry NAME (named or tombstone).
count_name() {
	i=0 n=0
	while [ $i -lt 16 ]; do
		[ "$(rname $i)" = "$1" ] && n=$((n + 1))
		i=$((i + 1))
	done
	echo $n
}

# Created at its home by the first acquire, by node 1.
$N1 acquire db1 release db1 > "$OUT/db1" 2>&1
check lnames-acquire-creates [ $? -eq 0 ]
check lnames-acquired-line grep -q '^acquired lock 7 (db1) generation 1$' "$OUT/db1"
check lnames-released-line grep -q '^released lock 7 (db1)$' "$OUT/db1"
check lnames-on-disk [ "$(rname 7)" = db1 ]
check lnames-name-crc [ "$(rnamecrc 7)" = ok ]
check lnames-flags-0 [ "$(rflags 7)" = 0 ]
check lnames-free-after-release [ "$(rec $((LL + 7)) owner)" = 0 ]
check lnames-created-dmesg has_dmesg "$A: lock 7 is now named db1"

# Node 2 (through the other path) finds it there; c7 wraps past it.
$N2 lookup db1 > "$OUT/lookup" 2>&1
check lnames-node2-finds grep -q '^found lock 7 (db1)$' "$OUT/lookup"
$N2 acquire c7 release c7 > "$OUT/c7" 2>&1
check lnames-same-home-next grep -q '^acquired lock 8 (c7) generation 1$' "$OUT/c7"
check lnames-same-home-on-disk [ "$(rname 8)" = c7 ]

# Held by node 2: busy for node 1, the seed's two lines as they were.
hold_name() {
	rm -f "$OUT/hold.$2"
	$1 acquire "$2" > "$OUT/hold.$2" 2>&1 &
	echo $! > "$OUT/hold.$2.pid"
	wait_file "$OUT/hold.$2" "acquired lock [0-9]* ($2) " 20
}
hold_name "$N2" db1
check lnames-node2-holds [ "$(rec $((LL + 7)) owner)" = 2 ]
check lnames-held-keeps-name [ "$(rname 7)" = db1 ]
mark_dmesg
$N1 acquire db1 --nowait > "$OUT/busy" 2>&1
check lnames-busy [ $? -eq 1 ]
check lnames-seed-line-1 has_dmesg "blklock: atomic test and set of disk block $((LL + 7)) returned false for equality (expected=0, got=2)"
check lnames-seed-line-2 has_dmesg "blklock: lock acquisition failed. Node 2 already owns the lock."
check lnames-busy-detail has_dmesg "$A: lock 7 (db1): node 2 holds generation 2"
$N1 status db1 > "$OUT/status" 2>&1
check lnames-status grep -q '^lock 7 (db1): owner 2 generation 2 ' "$OUT/status"
$N1 delete db1 > "$OUT/del-held" 2>&1
check lnames-delete-held-refused [ $? -eq 1 ]
check lnames-delete-held-dmesg has_dmesg "$A: lock 7 (db1) is held: its name is not deleted"
check lnames-delete-held-untouched [ "$(rflags 7)" = 0 ]
unhold db1

# Deleted: a tombstone that keeps the name; probing for c7 passes it;
# created again, the tombstone is revived at the same index.
$N1 delete db1 > "$OUT/del" 2>&1
check lnames-delete [ $? -eq 0 ]
check lnames-tombstone-flag [ "$(rflags 7)" = 1 ]
check lnames-tombstone-keeps-name [ "$(rname 7)" = db1 ]
check lnames-deleted-dmesg has_dmesg "$A: the name db1 of lock 7 is deleted (the record keeps it as a tombstone)"
$N2 lookup db1 > "$OUT/lookup-del" 2>&1
check lnames-lookup-deleted-enoent [ $? -eq 3 ]
$N1 lookup c7 > "$OUT/lookup-c7" 2>&1
check lnames-probe-passes-tombstone grep -q '^found lock 8 (c7)$' "$OUT/lookup-c7"
blklockctl dump --no-wait "$DISK_B" > "$OUT/dump" 2>&1
check lnames-dump-tombstone grep -q '^lock 7 (db1) deleted free generation 2$' "$OUT/dump"
check lnames-dump-named grep -q '^lock 8 (c7) free generation 1$' "$OUT/dump"
$N2 acquire db1 release db1 > "$OUT/revive" 2>&1
check lnames-revived grep -q '^acquired lock 7 (db1) generation 3$' "$OUT/revive"
check lnames-revived-flags [ "$(rflags 7)" = 0 ]
check lnames-revived-dmesg has_dmesg "$B: lock 7 is named db1 again (its tombstone was revived)"

# Two nodes create the same new names at once: one record per name, both
# nodes name the same index, and at least one of them says it created it
# (blklockctl -J gives what BLKLOCK_IOC_NAME returned: created or found).
# Both may say created: their COMPARE AND WRITEs carry the same bytes,
# and the one the target did not execute reads back its own image (it
# cannot tell the other's write from its own); the record is one either
# way.
both=0
for n in 1 2 3 4 5 6; do
	blklockctl -J acquire "race$n" release "race$n" > "$OUT/race1.$n" 2>&1 &
	p1=$!
	blklockctl -J --device "$DISK_B" --node 2 acquire "race$n" release "race$n" > "$OUT/race2.$n" 2>&1 &
	wait $p1 $!
	i1=$(sed -n 's/^{"type":"acquired","lock":\([0-9]*\),.*/\1/p' "$OUT/race1.$n")
	i2=$(sed -n 's/^{"type":"acquired","lock":\([0-9]*\),.*/\1/p' "$OUT/race2.$n")
	check "lnames-race$n-both-took-it" [ -n "$i1" -a -n "$i2" ]
	check "lnames-race$n-same-index" [ "$i1" = "$i2" ]
	check "lnames-race$n-one-record" [ "$(count_name "race$n")" = 1 ]
	c=$(cat "$OUT/race1.$n" "$OUT/race2.$n" | grep -c '"name_result":"created"')
	f=$(cat "$OUT/race1.$n" "$OUT/race2.$n" | grep -c '"name_result":"found"')
	check "lnames-race$n-created" [ "$c" -ge 1 -a $((c + f)) -eq 2 ]
	[ "$c" = 2 ] && both=$((both + 1))
done
figure "races where both nodes' COMPARE AND WRITE of one name were in flight together (both said created): $both of 6"

# Full: 8 records are named (db1, c7, race1-6); names until all 16 are,
# then ENOSPC.
i=0
while [ "$(blklockctl dump --no-wait "$DISK_B" | sed -n 's/^names: \([0-9]*\) named.*/\1/p')" -lt 16 ] && [ $i -lt 40 ]; do
	$N1 acquire "fill$i" release "fill$i" > /dev/null 2>&1
	i=$((i + 1))
done
sleep 5
mark_dmesg
$N1 acquire one-too-many > "$OUT/full" 2>&1
check lnames-full-refused [ $? -ne 0 ]
check lnames-full-enospc grep -q 'ENOSPC' "$OUT/full"
check lnames-full-dmesg has_dmesg "$A: no record left for the name one-too-many: all 16 carry other names or tombstones"

# A damaged named record stops the probe; break repairs it into a
# nameless tombstone that later probes pass over.
vi=$(sed -n 's/^{"type":"acquired","lock":\([0-9]*\),.*/\1/p' "$OUT/race1.1")
printf '\377' | dd of="$DISK_A" bs=1 seek=$(((LL + vi) * BS + 20)) conv=notrunc 2>/dev/null
sync
$N1 lookup race1 > "$OUT/damaged" 2>&1
check lnames-damaged-stops-probe grep -q 'EBADMSG' "$OUT/damaged"
blklockctl break "$vi" > "$OUT/break" 2>&1
check lnames-break-repairs [ $? -eq 0 ]
check lnames-repair-nameless-tombstone [ "$(rflags "$vi")" = 1 -a -z "$(rname "$vi")" ]
$N1 lookup race1 > "$OUT/after-repair" 2>&1
check lnames-repaired-name-gone [ $? -eq 3 ]
rmmod blklock
check lnames-unload [ $? -eq 0 ]

# Format 3: no names.
load_format3
check lnames-v3-load [ $? -eq 0 ]
$N1 acquire db1 > "$OUT/v3" 2>&1
check lnames-v3-refused grep -q 'EOPNOTSUPP' "$OUT/v3"
check lnames-v3-dmesg has_dmesg "$A: lock names need format 4; this lockspace is format 3 (blklockctl format writes format 4)"
$N1 acquire 7 release 7 > "$OUT/v3-number" 2>&1
check lnames-v3-numbers-work grep -q '^acquired lock 7 generation 1$' "$OUT/v3-number"
rmmod blklock
check lnames-v3-unload [ $? -eq 0 ]
