/* SPDX-License-Identifier: GPL-2.0 */
/*
 * names.pml: a Promela model of blklock's named locks (the name of a lock
 * kept in its record, found by linear probing), checked by spin.
 * Documentation/blklock/model.rst ("Named locks") explains it;
 * tools/model/run.sh runs every configuration and known-bug variant.
 *
 * RECS records (3 or 4).  A record is (name state, holder): the name
 * state is EMPTY (never named), NAMED(x), TOMB(x) (x deleted, the name
 * kept) or NONAME (a nameless tombstone: what the admin's break of a
 * damaged record writes); the holder is 0 (free) or node + 1.  Every
 * write is a COMPARE AND WRITE of the whole record, atomic (one atomic
 * step).  A name x probes h(x), h(x) + 1, ... mod RECS, at most RECS
 * records, one READ per step: other nodes act between two reads
 * (drivers/blklock/names.c):
 *   probe(x)   NAMED(x): found; TOMB(x): deleted there, stop (PAST_OWN_TOMB:
 *              go on, as the first design text said); EMPTY: stop, not
 *              found; any other state: go on; RECS records read: full
 *   create(x)  found: that record; deleted at t: CAW TOMB(x) free ->
 *              NAMED(x) free at t (revive); not found at EMPTY e:
 *              CAW EMPTY free -> NAMED(x) free at e; the record to write
 *              held: EBUSY (never skipped); a miscompare probes again
 *              (RETRIES attempts)
 *   delete(x)  found: CAW NAMED(x) free -> TOMB(x) free; held: EBUSY; a
 *              miscompare probes again
 *   lookup(x)  the probe
 *   acquire(i), release(i)   by number, any record, the name kept
 *   break(i)   the admin writes NONAME to any record (BREAKS per run)
 * The CAW compares the very image the probe READ and judged (struct
 * blklock_probe.rec in names.c), not the node's cached image of the
 * record (lk->cached), which another thread of the node may READ again
 * between the probe's READ and the CAW: MUT_CACHED_COMPARE models that
 * cache (one nondeterministic re-READ) and is a known bug.
 *
 * Names: a and b start at record 0, c (NNAMES 3) at record 1.
 * Configurations (-D; run.sh lists the ones checked):
 *   NODES     nodes (2 or 3)
 *   RECS      records (3 or 4)
 *   NNAMES    names (2: a, b; 3: a, b, c)
 *   CR DL LK AQ   creates, deletes, lookups, numbered acquires per node
 *             (each acquire may be followed by its release)
 *   CR1 DL1 LK1 AQ1   the same for the nodes other than node 0 (default:
 *             node 0's)
 *   BREAKS    admin breaks per run (0 or 1)
 *   RETRIES   attempts of one create or delete
 *   PAST_OWN_TOMB  the probe goes on past TOMB(x) to the first EMPTY
 * Known-bug variants (BLKLOCK_MUT in the environment of pan: the sum of
 * the M_ values below; MUT_X is M_X):
 *   MUT_CREATE_IN_TOMB   create reuses the first tombstone of any name
 *                        (the classic hash table)
 *   MUT_SKIP_HELD        the probe skips a held EMPTY record
 *   MUT_STOP_AT_TOMB     the probe takes a tombstone of another name (or
 *                        a nameless one) for EMPTY
 *   MUT_BREAK_TO_EMPTY   break writes EMPTY
 *   MUT_CACHED_COMPARE   the CAW compares the node's cached image, which
 *                        another thread may have READ again since the
 *                        probe (names.c blklock_name_write as first
 *                        written: see model.rst, "Named locks")
 *
 * Properties (assertions):
 *   1 uniqueness  no two records carry one name (NAMED or TOMB), checked
 *                 at every record write
 *   2 stability   once create(x) returned i, record i carries x
 *                 (NAMED(x) or TOMB(x)), checked at every record write
 *   3 agreement   every create(x) that succeeds returns the same record
 *                 (checked at each return; two concurrent creates are a
 *                 special case)
 *   4 visibility  a lookup(x) that starts after a create(x) returned, and
 *                 with no delete of x executed since, finds x
 * A break of a record that carries x ends the claims 2-4 about x (brk).
 */

#ifndef NODES
#define NODES 2
#endif
#ifndef RECS
#define RECS 3
#endif
#ifndef NNAMES
#define NNAMES 3
#endif
#define H(x)	((x) == 2 -> 1 : 0)	/* a, b: 0; c: 1 */
#ifndef CR
#define CR 2
#endif
#ifndef DL
#define DL 1
#endif
#ifndef LK
#define LK 1
#endif
#ifndef AQ
#define AQ 1
#endif
#ifndef CR1
#define CR1 CR
#endif
#ifndef DL1
#define DL1 DL
#endif
#ifndef LK1
#define LK1 LK
#endif
#ifndef AQ1
#define AQ1 AQ
#endif
#ifndef BREAKS
#define BREAKS 0
#endif
#ifndef RETRIES
#define RETRIES 2
#endif

/* Known-bug variants and witnesses are chosen when pan starts, from its
 * environment: BLKLOCK_MUT, a sum of M_* values; BLKLOCK_WITNESS, a W_*
 * number (run.sh reads both tables from this file).  One compiled pan
 * thus checks a configuration, its variants and its witnesses. */
#define M_CREATE_IN_TOMB	1
#define M_SKIP_HELD		2
#define M_STOP_AT_TOMB		4
#define M_BREAK_TO_EMPTY	8
#define M_CACHED_COMPARE	16
int mut;
byte wit;
#define MUT(m)	((mut & (m)) != 0)

/* Witnesses: BLKLOCK_WITNESS=k turns event k into an assertion, so that a
 * search shows the event is reachable (run.sh expects a trail) */
#define SEEN(k)	assert(wit != k)
#define W_RACE		1	/* a create loses its CAW to another create of its name on one block, then finds the name there */
#define W_REVIVE	2	/* a create revives a deleted name's tombstone */

/* name states */
#define EMPTY		0
#define NAMED(x)	(1 + (x))
#define TOMB(x)		(1 + NNAMES + (x))
#define NONAME		(1 + 2 * NNAMES)
#define ISTOMB(v)	((v) > NNAMES)	/* TOMB(any) or NONAME */
#define CARRIES(v, x)	((v) == NAMED(x) || (v) == TOMB(x))
#define C1(i, x)	(CARRIES(nm[i], x) -> 1 : 0)
#if RECS == 3
#define COUNT(x)	(C1(0, x) + C1(1, x) + C1(2, x))
#else
#define COUNT(x)	(C1(0, x) + C1(1, x) + C1(2, x) + C1(3, x))
#endif

/* probe results */
#define R_FOUND		0
#define R_DELETED	1
#define R_NOTFOUND	2
#define R_FULL		3
#define NONE		255
/* MUT_CREATE_IN_TOMB: x not found, a tombstone seen */
#define REUSE		(res != R_FOUND && ft != NONE && MUT(M_CREATE_IN_TOMB))
mtype = { create, delete };

byte nm[RECS];			/* name state */
byte hd[RECS];			/* holder: 0 free, node + 1 */
byte breaks = BREAKS;

/* ghosts, per name */
byte at[NNAMES];		/* the record create(x) returned, NONE before */
bit vis[NNAMES];		/* a create(x) returned, no delete of x since */
byte ndel[NNAMES];		/* delete CAWs of x executed */
bit brk[NNAMES];		/* a record that carried x was broken */
hidden byte cx;
hidden byte step;		/* numbers the printed steps (t= in a trail) */

/* in a trail: a name state as two characters (E-: EMPTY, Na: NAMED(a),
 * Ta: TOMB(a), X-: NONAME), a holder as a number (0 free) */
#define NAME(x)	((x) == 0 -> 'a' : ((x) == 1 -> 'b' : 'c'))
#define KC(v)	((v) == EMPTY -> 'E' : ((v) <= NNAMES -> 'N' : ((v) < NONAME -> 'T' : 'X')))
#define NC(v)	((v) == EMPTY || (v) == NONAME -> '-' : NAME(((v) - 1) % NNAMES))

/* properties 1 and 2, at every record write */
inline check() {
	cx = 0;
	do
	:: cx < NNAMES ->
		assert(COUNT(cx) <= 1);
		assert(brk[cx] || at[cx] == NONE || CARRIES(nm[at[cx]], cx));
		cx++
	:: else -> cx = 0; break
	od
}

/* the start of a trail line about op on x */
inline say() {
	if
	:: op == create -> printf("t=%d n%d create %c", step, n, NAME(x))
	:: else -> printf("t=%d n%d delete %c", step, n, NAME(x))
	fi;
	step++
}

/* a create returns record r; d: no delete of x since its linearization
 * point (the READ that found x, or its own CAW) */
inline ret(r, d) {
	/* property 3 */
	assert(brk[x] || at[x] == NONE || at[x] == r);
	if :: !brk[x] -> at[x] = r :: else fi;
	if :: d -> vis[x] = 1 :: else fi;
	printf("t=%d n%d create %c returns %d\n", step, n, NAME(x), r); step++
}

/* the probe of name x: res, its record r, and the image read there (cn,
 * ch: name state, holder): found: NAMED(x); deleted: TOMB(x) (the probe
 * stops there, as names.c does; PAST_OWN_TOMB: it goes on to the first
 * EMPTY, and r is the TOMB(x)); not found: the first EMPTY; full: every
 * record read carries another name or a tombstone.  ft, fv, fh: the first
 * tombstone of any name and its image (MUT_CREATE_IN_TOMB); d0: ndel[x]
 * at the READ that found x */
inline probe() {
	k = 0; r = NONE; res = NONE; cn = 0; ch = 0; ft = NONE; fv = 0; fh = 0;
	do
	:: atomic { k < RECS ->
		i = (H(x) + k) % RECS; k++;
		printf("t=%d n%d reads %d: %c%c holder %d\n", step, n, i, KC(nm[i]), NC(nm[i]), hd[i]); step++;
		if
		:: nm[i] == NAMED(x) ->
			res = R_FOUND; r = i; cn = nm[i]; ch = hd[i]; d0 = ndel[x]; k = RECS
		:: nm[i] == TOMB(x) ->
			if :: ft == NONE && MUT(M_CREATE_IN_TOMB) -> ft = i; fv = nm[i]; fh = hd[i] :: else fi;
			if :: r == NONE -> res = R_DELETED; r = i; cn = nm[i]; ch = hd[i] :: else fi;
#ifndef PAST_OWN_TOMB
			k = RECS
#endif
		:: nm[i] == EMPTY && hd[i] != 0 && MUT(M_SKIP_HELD) -> skip
		:: nm[i] == EMPTY && !(hd[i] != 0 && MUT(M_SKIP_HELD)) ->
			if :: r == NONE -> res = R_NOTFOUND; r = i; cn = nm[i]; ch = hd[i] :: else fi;
			k = RECS
		:: nm[i] != EMPTY && nm[i] != NAMED(x) && nm[i] != TOMB(x) &&
		   ISTOMB(nm[i]) && MUT(M_STOP_AT_TOMB) ->
			/* taken for EMPTY */
			if :: r == NONE -> res = R_NOTFOUND; r = i; cn = EMPTY; ch = hd[i] :: else fi;
			k = RECS
		:: nm[i] != EMPTY && nm[i] != NAMED(x) && nm[i] != TOMB(x) &&
		   !(ISTOMB(nm[i]) && MUT(M_STOP_AT_TOMB)) ->
			if :: ISTOMB(nm[i]) && ft == NONE && MUT(M_CREATE_IN_TOMB) -> ft = i; fv = nm[i]; fh = hd[i] :: else fi
		fi;
		i = 0 }
	:: k == RECS -> break
	od;
	k = 0;
	if
	:: res == NONE -> res = R_FULL
	:: else
	fi;
	if
	:: REUSE ->	/* the classic reuse: the first tombstone, of any name */
		if :: res == R_FULL -> res = R_NOTFOUND :: else fi;
		r = ft; cn = fv; ch = fh
	:: else
	fi;
	ft = NONE; fv = 0; fh = 0
}

proctype node(byte n) {
	mtype op; byte x, i, k, r, cn, ch, ft, fv, fh, res, tries, d0, lost, l0;
	byte mine = NONE;
	bit want;
	byte cr = (n == 0 -> CR : CR1);
	byte dl = (n == 0 -> DL : DL1);
	byte lk = (n == 0 -> LK : LK1);
	byte aq = (n == 0 -> AQ : AQ1);

	do
	:: cr > 0 || dl > 0 ->	/* create or delete */
		atomic {
			if
			:: cr > 0 -> cr--; op = create
			:: dl > 0 -> dl--; op = delete
			fi;
			select (x : 0 .. NNAMES - 1) };
		tries = 0; lost = NONE;
		do
		:: tries == RETRIES ->
			atomic { say(); printf(": gives up (miscompares)\n") };
			break
		:: tries < RETRIES ->
			tries++;
			probe();
			if
			:: op == create && res == R_FOUND ->
				atomic { if :: lost == r -> SEEN(W_RACE) :: else fi;
					ret(r, ndel[x] == d0) };
				break
			:: op == create && res == R_FULL ->
				printf("t=%d n%d create %c: ENOSPC\n", step, n, NAME(x)); step++;
				break
			:: op == delete && res != R_FOUND ->
				printf("t=%d n%d delete %c: ENOENT\n", step, n, NAME(x)); step++;
				break
			:: op == create && res != R_FOUND && res != R_FULL ||
			   op == delete && res == R_FOUND ->
				/* names.c compares the image the probe READ (cn,
				 * ch).  MUT_CACHED_COMPARE: the node's cached image
				 * instead, which another thread of the node may READ
				 * again between the probe's READ and the CAW */
				if
				:: MUT(M_CACHED_COMPARE) ->
					if
					:: atomic { (nm[r] != cn || hd[r] != ch) ->
						printf("t=%d n%d (another thread) reads %d: %c%c holder %d\n", step, n, r, KC(nm[r]), NC(nm[r]), hd[r]); step++;
						cn = nm[r]; ch = hd[r] }
					:: skip
					fi
				:: else -> skip
				fi;
				if
				:: ch != 0 ->
					atomic { say(); printf(": EBUSY (%d held)\n", r) };
					break
				:: ch == 0 ->
					/* the CAW: (cn, free) -> (NAMED(x) or TOMB(x), free) */
					atomic {
						if
						:: nm[r] == cn && hd[r] == 0 && op == create ->
							printf("t=%d n%d create %c: CAW at %d %c%c -> N%c\n", step, n, NAME(x), r, KC(cn), NC(cn), NAME(x)); step++;
							nm[r] = NAMED(x); check();
							if :: res == R_DELETED -> SEEN(W_REVIVE) :: else fi;
							ret(r, 1); tries = NONE
						:: nm[r] == cn && hd[r] == 0 && op == delete ->
							printf("t=%d n%d delete %c: CAW at %d %c%c -> T%c\n", step, n, NAME(x), r, KC(cn), NC(cn), NAME(x)); step++;
							nm[r] = TOMB(x); vis[x] = 0; ndel[x]++; check();
							tries = NONE
						:: else ->
							if :: op == create && cn == EMPTY && nm[r] == NAMED(x) -> lost = r :: else fi;
							say(); printf(": CAW at %d miscompares (%c%c holder %d)\n", r, KC(nm[r]), NC(nm[r]), hd[r])
						fi;
						cn = 0; ch = 0 }
				fi
			fi;
			if :: tries == NONE -> break :: else fi
		od;
		atomic { op = 0; x = 0; r = 0; cn = 0; ch = 0; res = 0; tries = 0; d0 = 0; lost = 0 }
	:: lk > 0 ->	/* lookup, property 4 */
		atomic { lk--; select (x : 0 .. NNAMES - 1); want = vis[x]; l0 = ndel[x] };
		probe();
		atomic {
			if
			:: res == R_FOUND -> printf("t=%d n%d lookup %c: found at %d\n", step, n, NAME(x), r)
			:: res == R_DELETED -> printf("t=%d n%d lookup %c: deleted at %d\n", step, n, NAME(x), r)
			:: res == R_NOTFOUND -> printf("t=%d n%d lookup %c: not found (stops at %d)\n", step, n, NAME(x), r)
			:: res == R_FULL -> printf("t=%d n%d lookup %c: not found, full\n", step, n, NAME(x))
			fi;
			step++;
			assert(!want || brk[x] || ndel[x] != l0 || res == R_FOUND);
			x = 0; r = 0; cn = 0; ch = 0; res = 0; d0 = 0; want = 0; l0 = 0 }
	:: aq > 0 && mine == NONE ->	/* acquire by number */
		atomic {
			aq--;
			select (i : 0 .. RECS - 1);
			if
			:: hd[i] == 0 -> hd[i] = n + 1; mine = i;
				printf("t=%d n%d acquires %d (%c%c)\n", step, n, i, KC(nm[i]), NC(nm[i])); step++
			:: else
			fi;
			i = 0 }
	:: mine != NONE ->	/* release */
		atomic {
			hd[mine] = 0;
			printf("t=%d n%d releases %d\n", step, n, mine); step++;
			mine = NONE }
	:: else -> break
	od
}

/* the admin's break of a record, any time, any record */
proctype admin() {
	byte i;
	do
	:: atomic { breaks > 0 ->
		breaks--;
		select (i : 0 .. RECS - 1);
		cx = 0;
		do
		:: cx < NNAMES -> if :: CARRIES(nm[i], cx) -> brk[cx] = 1 :: else fi; cx++
		:: else -> cx = 0; break
		od;
		printf("t=%d admin breaks %d: %c%c -> %c-\n", step, i, KC(nm[i]), NC(nm[i]), (MUT(M_BREAK_TO_EMPTY) -> 'E' : 'X')); step++;
		nm[i] = (MUT(M_BREAK_TO_EMPTY) -> EMPTY : NONAME);
		check();
		i = 0 }
	:: breaks == 0 -> break
	od
}

init {
	byte j;
	atomic {
		c_code {
			char *e = getenv("BLKLOCK_MUT"), *w = getenv("BLKLOCK_WITNESS");

			now.mut = e ? atoi(e) : 0;
			now.wit = w ? atoi(w) : 0;
		};
		j = 0;
		do
		:: j < NNAMES -> at[j] = NONE; j++
		:: else -> break
		od;
		j = 0;
		do
		:: j < NODES -> run node(j); j++
		:: else -> break
		od;
		run admin();
		j = 0
	}
}
