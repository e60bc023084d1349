/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock.pml: a Promela model of blklock's lock protocol (leases, eviction,
 * acquire, release, the fencing consumer) as specified after issue 9,
 * checked exhaustively by spin.  Documentation/blklock/model.rst explains
 * it; tools/model/run.sh runs every configuration and known-bug variant.
 *
 * Two nodes, one lock.  One process per node picks its next action
 * (renewal when due, acquire, release, a write to the fencing consumer);
 * the environment process moves time, runs the SAN (any queued command,
 * atomically, at any later moment below LAND_MAX ticks of age, or never),
 * crashes, pauses and suspends nodes.  Runs are cut at TMAX ticks.
 *
 * Configurations (-D; run.sh lists the ones checked):
 *   TMAX      ticks per run
 *   SUSPEND   the freeze is a suspension (clock stopped), property 2
 *   HEALTHY   no certain failures, no crash (timeouts and late landing
 *             stay): property 5
 *   FREEZES CRASHES FAILS   budgets of pauses (or suspensions), crashes
 *             and certain failures per run
 *   TMOS LATES   budgets of timeouts (of commands that could still be
 *             answered) and of ticks that pass over unanswered commands;
 *             otherwise a command is answered before the next tick
 *   DRIFT     ticks one node's clock may lose
 *   ACQS RELS acquire attempts and releases per node
 * Known-bug variants (-D):
 *   MUT_NONATOMIC_CAW    the target compares, then writes later
 *   MUT_SIGHT_AT_SUBMIT  the watcher dates a first sighting at the READ's
 *                        submission
 *   MUT_WATCH_AFTER_READ the watcher judges with its READ's completion time
 *   MUT_NO_EVICT         takeover without the eviction CAW
 *   MUT_EPOCH_AFTER_CAW  the acquire samples the loss epoch after its CAW
 *   MUT_LIVE_OLD_INC     a renewal returns to LIVE with the old
 *                        incarnation after a fence
 *   SPEC_RESEND_OKTIME   a resent pending renewal dates the lease from the
 *                        resend (the pre-fix C); default: the first copy
 */

#define NN 2
#define LK 2			/* block of the lock record; slots are 0, 1 */
#define NB 3

/* Time in ticks, hb_interval = 1 tick.  Safety needs
 * fence_after <= lease - 2 * interval: the margin of 2 intervals covers
 * the clock drift (DRIFT) and timer slack. */
#ifndef LEASE
#define LEASE 4
#endif
#ifndef FENCE_AFTER
#define FENCE_AFTER (LEASE - 2)
#endif
#ifndef IO_TMO
#define IO_TMO 2		/* lock and watch commands */
#endif
#define HB_TMO 1		/* min(io_timeout, interval) */
#ifndef LAND_MAX
#define LAND_MAX 3		/* a command executes before this age or never */
#endif
#ifndef DRIFT
#define DRIFT 1			/* ticks one node's clock may lose */
#endif
#ifndef TMAX
#define TMAX 8
#endif
#ifndef DRAIN
#define DRAIN 0			/* ticks after TMAX for operations to finish */
#endif
#define TEND (TMAX + DRAIN)
#define INCMAX 3
#define CTRMAX 7
#ifndef GENMAX
#define GENMAX 3
#endif
#ifdef HEALTHY
#define CRASHES 0
#define FAILS 0
#else
#ifndef CRASHES
#define CRASHES 1
#endif
#ifndef FAILS
#define FAILS 1
#endif
#endif
#ifndef ACQS
#define ACQS 2			/* acquire attempts per node */
#endif
#ifndef RELS
#define RELS 1			/* releases per node */
#endif
#ifndef TMOS
#define TMOS 1			/* timeouts of commands that could still be answered */
#endif
#ifndef LATES
#define LATES 2			/* ticks that pass over unanswered commands */
#endif
#ifndef FREEZES
#define FREEZES 1
#endif

/* slot image: incarnation, counter, EVICTED */
#define SL(i, c, e)	((i) * 16 + (c) * 2 + (e))
#define SINC(x)		((x) / 16)
#define SCTR(x)		(((x) / 2) % 8)
#define SEV(x)		((x) % 2)
/* lock record: owner (node + 1, 0 free), incarnation, generation */
#define REC(o, i, g)	((o) * 32 + (i) * 8 + (g))
#define ROWN(x)		((x) / 32)
#define RINC(x)		(((x) / 8) % 4)
#define RGEN(x)		((x) % 8)
#define FREEREC(g)	REC(0, 0, g)

#define DOWN	0
#define LIVE	1
#define FENCED	2
#define STOPPED	3

#define R_OK	0
#define R_MISC	1
#define F_CERT	2		/* certainly not executed */
#define F_UNC	3		/* fate unknown */

#define K_FREE	0
#define K_READ	1
#define K_CAW	2
#define K_HALF	3		/* MUT_NONATOMIC_CAW: compared, write to come */
#define Q_WAIT	0
#define Q_DONE	1
#define Q_ORPH	2
#define NONE	255

byte blk[NB];

/* commands: two entries per node (entry 2n, 2n+1) */
#define NQ 4
byte qk[NQ];
byte qb[NQ];
byte qc[NQ];
byte qw[NQ];
byte qa[NQ];			/* age in ticks */
byte qs[NQ];
byte qr[NQ];			/* CAW: R_OK/R_MISC; READ: the value */
byte qt[NQ];			/* the sender gives up at this age */

byte st[NN];
byte cur[NN];
byte pend[NN];
bit haspend[NN];
byte okage[NN];			/* lease clock - last_ok, capped */
byte rnage[NN];			/* age of the renewal in flight */
bit rn[NN];			/* a renewal is in flight */
byte pdage[NN];			/* age of the pending image's first copy */

/* the loss epoch, as "image X carries an incarnation chosen in (or
 * confirmed through) the current loss epoch" bits: cleared by every bump */
bit cure[NN];			/* cur's (hb_epoch == loss_epoch) */
bit pde[NN];			/* the pending image's */
bit nxe[NN];			/* the image of the renewal in flight */
bit acqmoved[NN];		/* ... since the acquire's snapshot */
bit due[NN];
byte frozen[NN];		/* 0 running, 1 paused, 2 suspended */
byte susp[NN];			/* 1 suspended, no renewal since; 2 one sent */
byte lag[NN];

bit busy[NN];			/* an operation is under way */
bit didop[NN];			/* a lock operation started this tick */
byte acqs[NN];			/* acquire attempts left */
byte rels[NN];			/* releases left */
bit held[NN];
bit lost[NN];
bit relfl[NN];
byte mine[NN];

/* watch table: watcher n, owner m */
#define W(w, m)	((w) * NN + (m))
bit wok[NN * NN];
byte wv[NN * NN];
byte ws[NN * NN];		/* watcher clock - since, capped at LEASE */

/* ghosts */
byte granted;			/* largest generation written with an owner */
byte marked;			/* largest generation granted to a node */
byte cmax;			/* the consumer's largest accepted */
byte infl[NN];			/* the acquire's CAW image in flight */
byte reg[NN];			/* generations of images given to the reaper */

byte tnow;
byte crashes = CRASHES;
byte freezes = FREEZES;
byte fails = FAILS;
byte tmos = TMOS;
byte lates = LATES;


#define LEARNED	if :: susp[n] == 2 -> susp[n] = 0 :: else fi

/* the loss epoch moves: every lock held is lost */
inline bump() {
	cure[n] = 0; pde[n] = 0; nxe[n] = 0; acqmoved[n] = 1; susp[n] = 0;
	if :: held[n] -> lost[n] = 1 :: else fi
}

/* blklock_lease_fence */
inline fence() {
	st[n] = FENCED; okage[n] = 0; bump();
	printf("t=%d n%d fenced (timer), every lock lost\n", tnow, n)
}

inline submit(kk, bb, cc, ww, tt) {
	if
	:: fails > 0 -> fails--; sres = F_CERT
	:: qk[2 * n] == K_FREE -> q = 2 * n
	:: qk[2 * n] != K_FREE && qk[2 * n + 1] == K_FREE -> q = 2 * n + 1
	:: qk[2 * n] != K_FREE && qk[2 * n + 1] != K_FREE -> sres = F_CERT
	fi;
	if
	:: sres == NONE -> qk[q] = kk; qb[q] = bb; qc[q] = cc; qw[q] = ww; qa[q] = 0; qs[q] = Q_WAIT; qr[q] = 0; qt[q] = tt
	:: else
	fi
}

#define FREEQ(x)	qk[x] = K_FREE; qb[x] = 0; qc[x] = 0; qw[x] = 0; qa[x] = 0; qs[x] = 0; qr[x] = 0; qt[x] = 0

/* wait for the answer (res, val, age) or give up after tmo ticks */
inline await() {
	if
	:: sres != NONE -> res = sres
	:: atomic { sres == NONE && qs[q] == Q_DONE ->
		if :: qk[q] == K_READ -> res = R_OK; val = qr[q] :: else -> res = qr[q] fi;
		age = qa[q]; FREEQ(q) }
	:: atomic { sres == NONE && qa[q] >= qt[q] && (tmos > 0 || qa[q] >= LAND_MAX) ->
		if :: qa[q] < LAND_MAX -> tmos-- :: else fi;
		if :: qs[q] == Q_DONE -> FREEQ(q) :: else -> qs[q] = Q_ORPH fi;
		res = F_UNC }
	fi;
	sres = NONE; q = 0
}

inline write(i) {
	/* property 3: a record naming an owner carries a new, larger generation */
	if
	:: qb[i] == LK && ROWN(qw[i]) != 0 && qw[i] != qc[i] ->
		assert(RGEN(qw[i]) > granted); granted = RGEN(qw[i])
	:: else
	fi;
	blk[qb[i]] = qw[i]
}

/* the SAN executes entry i atomically */
inline execute(i) {
	if
	:: qk[i] == K_READ -> qr[i] = blk[qb[i]]
	:: qk[i] == K_CAW ->
#ifdef MUT_NONATOMIC_CAW
		if
		:: blk[qb[i]] == qc[i] -> qk[i] = K_HALF
		:: else -> qr[i] = R_MISC
		fi
#else
		if
		:: blk[qb[i]] == qc[i] -> write(i); qr[i] = R_OK
		:: else -> qr[i] = R_MISC
		fi
#endif
	:: qk[i] == K_HALF -> write(i); qr[i] = R_OK; qk[i] = K_CAW
	fi;
	if
	:: qk[i] == K_HALF
	:: qk[i] != K_HALF && qs[i] == Q_ORPH -> FREEQ(i)
	:: qk[i] != K_HALF && qs[i] != Q_ORPH -> qs[i] = Q_DONE
	fi
}

#define HOLDS(x)	(held[x] && !lost[x] && !relfl[x])

proctype node(byte n) provided (frozen[n] == 0 && st[n] != DOWN)
{
	byte nxt, sst, how, res, val, age, b, r, cmpi, mn, m, si, q, sres = NONE;
	bit gone, ripe;

end_node:
	do
	:: atomic { /* blklock_lease_renew */
		atomic { (st[n] == LIVE || st[n] == FENCED) && due[n] && tnow < TMAX ->
			busy[n] = 1; due[n] = 0; sst = st[n];
			/* blklock_hb_plan */
			if
			:: haspend[n] -> nxt = pend[n]; nxe[n] = pde[n]
			:: !haspend[n] && sst == FENCED && SINC(cur[n]) < INCMAX ->
				nxt = SL(SINC(cur[n]) + 1, 0, 0); nxe[n] = 1	/* new incarnation */
			:: !haspend[n] && sst == LIVE && SCTR(cur[n]) < CTRMAX ->
				nxt = SL(SINC(cur[n]), SCTR(cur[n]) + 1, 0); nxe[n] = cure[n]
			:: else -> goto renew_out
			fi;
			rnage[n] = 0; rn[n] = 1;
			if :: susp[n] == 1 -> susp[n] = 2 :: else fi;
			printf("t=%d n%d renew CAW slot %d -> %d sent\n", tnow, n, cur[n], nxt);
			submit(K_CAW, n, cur[n], nxt, HB_TMO) };
		await();		/* blklock_hb_write */
		if
		:: res == R_OK -> goto wrote
		:: else
		fi;
		how = res;
		submit(K_READ, n, 0, 0, HB_TMO);
		await();
		b = val;
		/* blklock_caw_outcome, then blklock_hb_settle: EVICTED is cur or
		 * next (the pending image when resending) marked evicted, as
		 * blklock_hb_is_evicted(found, cur, next) in the C */
		if
		:: res == R_OK && b == nxt -> goto wrote
		:: res == R_OK && b == cur[n] && how == F_CERT -> LEARNED; printf("t=%d n%d renew NOT_RUN\n", tnow, n)
		:: res == R_OK && b == cur[n] && how == F_UNC ->
			LEARNED;
			if :: !haspend[n] -> pdage[n] = rnage[n] :: else fi;
			haspend[n] = 1; pend[n] = nxt; pde[n] = nxe[n];
			printf("t=%d n%d renew UNKNOWN, pending %d\n", tnow, n, nxt)
		:: res == R_OK && b == cur[n] && how == R_MISC ->
			printf("t=%d n%d renew false miscompare\n", tnow, n); assert(false)	/* not on this SAN */
		:: res == R_OK && (b == cur[n] + 1 && !SEV(cur[n]) || b == nxt + 1 && !SEV(nxt)) ->
			bump(); st[n] = FENCED;
			cur[n] = b; haspend[n] = 0; pend[n] = 0;
			printf("t=%d n%d renew finds EVICTED (slot %d), every lock lost\n", tnow, n, b)
		:: res == R_OK && haspend[n] && b == pend[n] && b != nxt ->
			LEARNED; cur[n] = pend[n]; cure[n] = pde[n]; haspend[n] = 0; pend[n] = 0; due[n] = 1;
			printf("t=%d n%d renew: pending landed late, retry\n", tnow, n)
		:: res != R_OK ->
			if
			:: how == F_UNC ->
				if :: !haspend[n] -> pdage[n] = rnage[n] :: else fi;
				haspend[n] = 1; pend[n] = nxt; pde[n] = nxe[n]
			:: else
			fi
		:: else ->
			printf("t=%d n%d STOPPED: slot %d written by another host\n", tnow, n, b);
			st[n] = STOPPED; bump();
			assert(false)	/* property 5 */
		fi;
		goto renew_out;
wrote:
#ifdef SPEC_RESEND_OKTIME
		okage[n] = rnage[n];
#else
		if
		:: haspend[n] && nxt == pend[n] -> okage[n] = pdage[n]	/* first copy */
		:: else -> okage[n] = rnage[n]
		fi;
#endif
		cur[n] = nxt; haspend[n] = 0; pend[n] = 0; LEARNED;
		/* blklock_hb_apply(WROTE) with blklock_hb_next_state */
		if
		:: st[n] == STOPPED
#ifdef MUT_LIVE_OLD_INC
		:: st[n] != STOPPED && (sst == LIVE || nxe[n]) -> st[n] = LIVE; cure[n] = 1
#else
		:: st[n] != STOPPED && nxe[n] -> st[n] = LIVE; cure[n] = 1
#endif
		:: else ->
			if :: st[n] == LIVE -> bump() :: else fi;
			st[n] = FENCED; cure[n] = 0
		fi;
		nxe[n] = 0;
		if :: st[n] == LIVE && okage[n] >= FENCE_AFTER -> fence() :: else fi;
		printf("t=%d n%d renew WROTE slot %d, state %d\n", tnow, n, nxt, st[n]);
renew_out:
		rn[n] = 0; rnage[n] = 0; if :: !haspend[n] -> pdage[n] = 0 :: else fi;
		busy[n] = 0; nxt = 0; sst = 0; how = 0; res = 0; val = 0; age = 0; b = 0
	   }
	:: atomic { /* blklock_acquire_disk */
		atomic { st[n] == LIVE && !held[n] && !didop[n] && acqs[n] > 0 && tnow < TMAX ->
			acqs[n]--; busy[n] = 1; didop[n] = 1; si = SINC(cur[n]); acqmoved[n] = 0;
			submit(K_READ, LK, 0, 0, IO_TMO) };
		await();
		if
		:: res != R_OK -> goto acq_out
		:: else -> r = val
		fi;
		if
		:: ROWN(r) == 0 -> cmpi = r
		:: ROWN(r) == n + 1 && RINC(r) == si -> cmpi = r	/* reclaim */
		:: else ->
			/* blklock_lease_owner_stale */
			m = ROWN(r) - 1;
			ripe = wok[W(n, m)] && ws[W(n, m)] >= LEASE;	/* judged at submission */
			submit(K_READ, m, 0, 0, IO_TMO);
			await();
			if
			:: res != R_OK -> goto acq_out
			:: else
			fi;
			gone = 0;
			if
			:: SINC(val) != RINC(r) || SEV(val) -> gone = 1
			:: else ->
				if
				:: !wok[W(n, m)] || wv[W(n, m)] != val ->
					wok[W(n, m)] = 1; wv[W(n, m)] = val;
#ifdef MUT_SIGHT_AT_SUBMIT
					ws[W(n, m)] = (age < LEASE -> age : LEASE);
#else
					ws[W(n, m)] = 0;	/* dated at completion */
#endif
					ripe = 0;
					printf("t=%d n%d watch n%d: slot %d, first seen %d ticks ago\n", tnow, n, m, val, ws[W(n, m)])
				:: else
				fi;
#ifdef MUT_WATCH_AFTER_READ
				ripe = (wok[W(n, m)] && ws[W(n, m)] >= LEASE);
#endif
				if
				:: ripe ->
					printf("t=%d n%d watch n%d DEAD (slot %d for a lease)\n", tnow, n, m, val);
#ifdef MUT_NO_EVICT
					gone = 1
#else
					/* blklock_evict */
					b = val;
					printf("t=%d n%d evict CAW slot of n%d %d -> %d sent\n", tnow, n, m, b, b + 1);
					submit(K_CAW, m, b, b + 1, IO_TMO);
					await();
					if
					:: res == R_OK -> gone = 1
					:: else ->
						submit(K_READ, m, 0, 0, IO_TMO);
						await();
						if :: res == R_OK && val == b + 1 -> gone = 1 :: else fi
					fi
#endif
				:: else
				fi
			fi;
			if
			:: gone -> cmpi = r
			:: else -> printf("t=%d n%d acquire EBUSY (n%d live)\n", tnow, n, m); goto acq_out
			fi
		fi;
		if
		:: RGEN(r) >= GENMAX -> goto acq_out	/* bound */
		:: else
		fi;
		mn = REC(n + 1, si, RGEN(r) + 1);
		printf("t=%d n%d acquire CAW lock %d -> %d (g%d) sent\n", tnow, n, cmpi, mn, RGEN(mn));
		infl[n] = mn;
		submit(K_CAW, LK, cmpi, mn, IO_TMO);
		await();
		if
		:: res == R_OK -> goto acq_wrote
		:: else
		fi;
		how = res;
		submit(K_READ, LK, 0, 0, IO_TMO);
		await();
		if
		:: res == R_OK && val == mn -> goto acq_wrote
		:: how == F_UNC && (res != R_OK || val == cmpi) ->
			reg[n] = reg[n] | (1 << RGEN(mn));	/* to the reaper */
			printf("t=%d n%d acquire UNKNOWN, %d to the reaper\n", tnow, n, mn)
		:: else -> printf("t=%d n%d acquire failed\n", tnow, n)
		fi;
		infl[n] = 0;
		goto acq_out;
acq_wrote:
		infl[n] = 0;
		held[n] = 1; mine[n] = mn;
#ifdef MUT_EPOCH_AFTER_CAW
		lost[n] = 0;
#else
		lost[n] = acqmoved[n];	/* the snapshot's epoch */
#endif
		/* property 3: no generation granted twice (a node suspended
		 * since its last definite renewal may complete an acquire whose
		 * CAW landed before the suspension: property 2 covers it) */ */
		if
		:: !lost[n] && !susp[n] -> assert(RGEN(mn) > marked); marked = RGEN(mn)
		:: else
		fi;
		printf("t=%d n%d acquire: held at g%d, lost %d\n", tnow, n, RGEN(mn), lost[n]);
acq_out:
		acqmoved[n] = 0; busy[n] = 0; si = 0; r = 0; cmpi = 0; mn = 0; m = 0; res = 0; val = 0; age = 0; b = 0; how = 0; gone = 0; ripe = 0
	   }
	:: atomic { /* blklock_release_disk */
		atomic { held[n] && !didop[n] && rels[n] > 0 && tnow < TMAX ->
			rels[n]--; busy[n] = 1; didop[n] = 1;
			if
			:: lost[n] -> held[n] = 0; lost[n] = 0; mine[n] = 0; printf("t=%d n%d release: lost, ENOLCK\n", tnow, n); goto rel_out
			:: else
			fi;
			relfl[n] = 1; mn = mine[n];
			printf("t=%d n%d release CAW lock %d -> %d sent\n", tnow, n, mn, FREEREC(RGEN(mn)));
			submit(K_CAW, LK, mn, FREEREC(RGEN(mn)), IO_TMO) };
		await();
		if
		:: res == R_OK -> goto rel_done
		:: else
		fi;
		how = res;
		submit(K_READ, LK, 0, 0, IO_TMO);
		await();
		if
		:: res == R_OK && val == FREEREC(RGEN(mn)) -> goto rel_done
		:: how == F_CERT && (res != R_OK || val == mn) -> relfl[n] = 0	/* still held */
		:: how == F_UNC && (res != R_OK || val == mn) ->
			held[n] = 0; lost[n] = 0; mine[n] = 0; relfl[n] = 0;
			reg[n] = reg[n] | (1 << RGEN(mn));
			printf("t=%d n%d release UNKNOWN, ENOLCK, to the reaper\n", tnow, n)
		:: res == R_OK && val == mn && how == R_MISC -> assert(false)
		:: else -> held[n] = 0; lost[n] = 0; mine[n] = 0; relfl[n] = 0; printf("t=%d n%d release: CHANGED, ENOLCK\n", tnow, n)
		fi;
		goto rel_out;
rel_done:
		held[n] = 0; lost[n] = 0; mine[n] = 0; relfl[n] = 0; printf("t=%d n%d released\n", tnow, n);
rel_out:
		busy[n] = 0; mn = 0; res = 0; val = 0; age = 0; how = 0
	   }
#ifdef SUSPEND
	:: atomic { /* a write to the fencing consumer with the lock's generation */
		HOLDS(n) && !didop[n] -> didop[n] = 1;
		b = RGEN(mine[n]);
		if
		:: b >= cmax ->
			printf("t=%d n%d consumer accepts g%d\n", tnow, n, b);
			/* property 2: only a node suspended since its last definite
			 * renewal writes with an old generation */
			assert(susp[n] || b == granted);
			cmax = b
		:: else ->
			printf("t=%d n%d consumer refuses g%d < g%d\n", tnow, n, b, cmax);
			assert(susp[n])
		fi;
		b = 0 }
#endif
	od
}

/* property 1 (and 2 with suspension): a holder's record is on the disk,
 * unless it has been suspended since its last definite renewal */
#define OWNS(x)	(!HOLDS(x) || blk[LK] == mine[x] || susp[x] != 0)
/* property 4 (as safety): a record naming a LIVE node's current
 * incarnation is held by it, in flight, or with its reaper */
#define NAMES(x)	(st[x] == LIVE && ROWN(blk[LK]) == x + 1 && RINC(blk[LK]) == SINC(cur[x]))
#define ACCT(x)	(!NAMES(x) || held[x] && !lost[x] && mine[x] == blk[LK] || \
	infl[x] == blk[LK] || (reg[x] >> RGEN(blk[LK])) % 2 == 1)
#ifdef SUSPEND
#define SAFE	(OWNS(0) && OWNS(1) && ACCT(0) && ACCT(1))
#else
#define SAFE	(OWNS(0) && OWNS(1) && !(HOLDS(0) && HOLDS(1)) && ACCT(0) && ACCT(1))
#endif

active proctype monitor()
{
end_mon:
	atomic { !SAFE ->
		printf("t=%d VIOLATION: holders %d %d, record %d, mine %d %d\n",
			tnow, HOLDS(0), HOLDS(1), blk[LK], mine[0], mine[1]);
		assert(false) }
}

/* urgency: a running node takes its reply, or gives up, before the next tick */
#define RUNS(x)	(st[(x) / 2] != DOWN && frozen[(x) / 2] == 0)
#define URG(x)	(qk[x] != K_FREE && RUNS(x) && (qs[x] == Q_DONE || qs[x] == Q_WAIT && qa[x] >= qt[x]))
/* ... and an idle running node renews when due (the renewal work runs
 * every interval; a late one is a pause) */
#define RDUE(x)	(st[x] != DOWN && frozen[x] == 0 && !busy[x] && due[x] && (st[x] == LIVE || st[x] == FENCED) && \
	(haspend[x] || st[x] == FENCED && SINC(cur[x]) < INCMAX || st[x] == LIVE && SCTR(cur[x]) < CTRMAX))
/* ... and a command of a running node is answered before the next tick,
 * but for LATES ticks in the run */
#define PENDW(x)	(qk[x] != K_FREE && qs[x] == Q_WAIT && RUNS(x))
#define ANYPENDW	(PENDW(0) || PENDW(1) || PENDW(2) || PENDW(3))
#define TICK_OK	(!URG(0) && !URG(1) && !URG(2) && !URG(3) && !RDUE(0) && !RDUE(1) && (lates > 0 || !ANYPENDW))
/* one tick: each running clock advances by 1 (not a suspended node's,
 * nor once the one whose clock lags) */
inline tick(sk) {
	tnow++;
	if :: ANYPENDW -> lates-- :: else fi;
	n = 0;
	do
	:: n < NN ->
		if
		:: n == sk -> lag[n]++
		:: n != sk && frozen[n] != 2 && st[n] != DOWN ->
			if :: st[n] == LIVE && okage[n] < FENCE_AFTER -> okage[n]++ :: else fi;
			if :: rn[n] && rnage[n] < FENCE_AFTER -> rnage[n]++ :: else fi;
			if :: haspend[n] && pdage[n] < FENCE_AFTER -> pdage[n]++ :: else fi;
			if :: wok[W(n, 1 - n)] && ws[W(n, 1 - n)] < LEASE -> ws[W(n, 1 - n)]++ :: else fi;
			if :: st[n] == LIVE || st[n] == FENCED -> due[n] = 1 :: else fi;
			didop[n] = 0;
			if :: st[n] == LIVE && okage[n] >= FENCE_AFTER -> fence() :: else fi
		:: else
		fi;
		n++
	:: else -> break
	od;
	j = 0;
	do
	:: j < NQ ->
		if :: qk[j] != K_FREE && qa[j] < LAND_MAX -> qa[j]++ :: else fi;
		if
		:: qk[j] != K_FREE && qa[j] >= LAND_MAX && (qs[j] == Q_ORPH || st[j / 2] == DOWN) -> FREEQ(j)
		:: else
		fi;
		j++
	:: else -> break
	od;
	n = 0; j = 0
}

#define SANX(x) \
	:: atomic { qk[x] != K_FREE && qs[x] != Q_DONE && qa[x] < LAND_MAX -> \
		if :: qk[x] != K_READ -> printf("t=%d SAN executes CAW of n%d on block %d\n", tnow, x / 2, qb[x]) :: else fi; \
		execute(x) }

#define IDLE(x)	(!busy[x] || st[x] == DOWN || frozen[x] != 0)

active proctype env()
{
	byte n, sk, j;

	do
	:: atomic { tnow < TEND && TICK_OK ->
		if
		:: sk = NONE
		:: lag[0] < DRIFT -> sk = 0
		:: lag[1] < DRIFT -> sk = 1
		fi;
		printf("t=%d tick\n", tnow + 1);
		d_step { tick(sk); sk = 0 } }
	SANX(0)
	SANX(1)
	SANX(2)
	SANX(3)
	:: atomic { crashes > 0 ->
		if :: st[0] != DOWN -> n = 0 :: st[1] != DOWN -> n = 1 fi;
		crashes--; st[n] = DOWN; frozen[n] = 0; susp[n] = 0;
		held[n] = 0; lost[n] = 0; mine[n] = 0; relfl[n] = 0;
		j = 2 * n; if :: qs[j] == Q_DONE -> FREEQ(j) :: else fi;
		j = 2 * n + 1; if :: qs[j] == Q_DONE -> FREEQ(j) :: else fi;
		printf("t=%d n%d crashes\n", tnow, n); n = 0; j = 0 }
	:: atomic { freezes > 0 ->
		if :: frozen[0] == 0 && st[0] != DOWN -> n = 0 :: frozen[1] == 0 && st[1] != DOWN -> n = 1 fi;
		freezes--;
#ifdef SUSPEND
		frozen[n] = 2; susp[n] = 1; printf("t=%d n%d suspended (clock stopped)\n", tnow, n);
#else
		frozen[n] = 1; printf("t=%d n%d paused (clock runs)\n", tnow, n);
#endif
		n = 0 }
	:: atomic {
		if :: frozen[0] != 0 -> n = 0 :: frozen[1] != 0 -> n = 1 fi;
		frozen[n] = 0; printf("t=%d n%d resumes\n", tnow, n); n = 0 }
	:: timeout ->
		/* property 6: nothing can move before the end of the run */
		printf("t=%d end\n", tnow);
		assert(tnow >= TEND);
		break
	od
}

init {
	atomic {
		blk[0] = SL(1, 0, 0); cur[0] = SL(1, 0, 0); st[0] = LIVE; cure[0] = 1;
		blk[1] = SL(1, 0, 0); cur[1] = SL(1, 0, 0); st[1] = LIVE; cure[1] = 1;
		blk[LK] = FREEREC(0);
		acqs[0] = ACQS; acqs[1] = ACQS; rels[0] = RELS; rels[1] = RELS;
		run node(0); run node(1)
	}
}
