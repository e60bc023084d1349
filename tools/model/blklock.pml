/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock.pml: a Promela model of blklock's lock protocol (leases, locks,
 * eviction, reaper) as specified after issue 9, checked with spin.
 * Documentation/blklock/model.rst explains it; tools/model/run.sh runs it.
 *
 * Every configuration and every known-bug variant is this one file with
 * -D switches:
 *   NN, NL          nodes (2 or 3), locks (1 or 2)
 *   SUSPEND         nodes may be suspended (clock stopped); else only
 *                   paused (clock running)
 *   LIVENESS        urgency: the SAN answers before the next tick unless a
 *                   failure is spent from the FAILS budget, waiters retry
 *                   every tick, renewals and the reaper run when due; the
 *                   bounded-liveness counters are checked
 *   CRASHES FREEZES CUTS FAILS   budgets of crashes, pauses/suspensions,
 *                   path cuts and (LIVENESS only) command failures
 *   MUT_NONATOMIC_CAW MUT_WATCH_AFTER_READ MUT_SIGHT_AT_SUBMIT
 *   MUT_NO_EVICT MUT_EPOCH_AFTER_CAW MUT_LIVE_OLD_INC   the known bugs
 *   SPEC_RESEND_OKTIME   last_ok of a resent pending renewal read back
 *                   as written = the resend's submission (the spec's
 *                   literal text); default: the first copy's submission
 */

#ifndef NN
#define NN 2
#endif
#ifndef NL
#define NL 1
#endif
#define NB (NN + NL)		/* blocks: slot of node n = n, lock l = NN + l */

/* Time, in ticks: hb_interval = 1 tick.  The defaults keep the ratios of
 * the real defaults (interval 1 s, fence_after 4 s, lease 6 s). */
#ifndef LEASE
#define LEASE 6
#endif
#ifndef FENCE_AFTER
#define FENCE_AFTER (LEASE - 2)	/* lease - 2 * interval */
#endif
#ifndef IO_TMO
#define IO_TMO 2		/* lock commands give up after >= IO_TMO */
#endif
#define HB_TMO 1		/* min(io_timeout, interval) */
#define REAP_DELAY (IO_TMO + 1)	/* io_timeout + interval */
#ifndef LAND_MAX
#define LAND_MAX REAP_DELAY	/* a command executes before this age or never */
#endif
#ifndef DRIFT
#define DRIFT 1			/* ticks a node's clock may lose per run */
#endif
#ifndef QMAX
#define QMAX 3			/* commands at the target at once (TASK SET FULL) */
#endif
#define INCMAX 3		/* incarnations 1..3 per node */
#ifndef CTRMAX
#define CTRMAX 7		/* renewals per incarnation */
#endif
#ifndef GENMAX
#define GENMAX 4		/* generations per lock */
#endif
#ifndef CRASHES
#define CRASHES 1
#endif
#ifndef FREEZES
#define FREEZES 1
#endif
#ifndef CUTS
#define CUTS 1
#endif
#ifndef FAILS
#define FAILS 1
#endif
#ifndef WAITMAX
#define WAITMAX (LEASE + 1 + DRIFT)	/* property 4a: lease + interval (+ drift) */
#endif
#ifndef STRANDMAX
#define STRANDMAX (REAP_DELAY + 1 + DRIFT) /* property 4b */
#endif

/* A heartbeat slot image: incarnation, counter, EVICTED. */
#define SL(i, c, e)	((i) * 16 + (c) * 2 + (e))
#define SINC(x)		((x) / 16)
#define SCTR(x)		(((x) / 2) % 8)
#define SEV(x)		((x) % 2)
/* A lock record: owner node id (node + 1, 0 = free), its incarnation, generation. */
#define REC(o, i, g)	((o) * 32 + (i) * 8 + (g))
#define ROWN(x)		((x) / 32)
#define RINC(x)		(((x) / 8) % 4)
#define RGEN(x)		((x) % 8)
#define FREEREC(g)	REC(0, 0, g)

#define I(n, l)		((n) * NL + (l))
#define W(w, m)		((w) * NN + (m))

/* node state */
#define DOWN	0
#define LIVE	1
#define FENCED	2
#define STOPPED	3

/* command results */
#define R_OK	0
#define R_MISC	1
#define F_CERT	2		/* certainly not executed */
#define F_UNC	3		/* fate unknown */

/* queue entry kinds and states */
#define K_FREE	0
#define K_READ	1
#define K_CAW	2
#define K_HALF	3		/* MUT_NONATOMIC_CAW: compared, write to come */
#define Q_WAIT	0
#define Q_DONE	1
#define Q_ORPH	2
#define NONE	255

/* the disk */
byte blk[NB];

/* the SAN's queue */
byte qk[QMAX];
byte qb[QMAX];
byte qc[QMAX];
byte qw[QMAX];
byte qa[QMAX];			/* age in ticks since submission */
byte qs[QMAX];
byte qo[QMAX];			/* issuing process: hb n = n, user n = NN + n */
byte qr[QMAX];			/* reply: R_OK/R_MISC, or the value read */
byte myq[2 * NN];		/* each process's outstanding command */

/* nodes */
byte st[NN];
byte cur[NN];
byte pend[NN];
bit haspend[NN];
byte okage[NN];			/* lease clock - last_ok, capped at FENCE_AFTER */
byte rnage[NN];			/* age of the renewal in flight */
byte pdage[NN];			/* age of the pending image's first submission */
byte finc[NN];			/* incarnation in use at the last fence */
bit hbmoved[NN];		/* loss epoch moved since the renewal's snapshot */
bit acqmoved[NN];		/* ... since the acquire's snapshot */
bit due[NN];			/* a renewal is due */
byte frozen[NN];		/* 0 running, 1 paused (clock runs), 2 suspended */
byte susp[NN];			/* 1: suspended, no renewal submitted since the
				 * resume; 2: one was, no definite answer yet */
byte lag[NN];			/* ticks the clock lost */
bit cut[NN];			/* path cut */
bit killhb[NN];
bit killus[NN];
byte claimage[NN];		/* attach: ticks watched */
bit busy[2 * NN];

/* locks held by a node's files */
bit held[NN * NL];
bit lost[NN * NL];
bit relfl[NN * NL];		/* release in flight */
byte mine[NN * NL];

/* watch table of each watcher for each owner */
bit wok[NN * NN];
byte wv[NN * NN];
byte ws[NN * NN];		/* watcher clock - since, capped at LEASE */

/* reaper: one entry per node and lock */
bit rpv[NN * NL];
byte rpx[NN * NL];
byte rpd[NN * NL];		/* ticks until due */

#ifdef LIVENESS
byte waiting[NN];		/* lock + 1 a file of the node waits for */
bit tried[NN];
byte waitc[NL];
byte strandc[NL];
byte fails = FAILS;
#endif

/* ghosts: largest generation written with an owner, largest granted to a
 * node, the consumer's largest accepted */
byte granted[NL];
byte marked[NL];
byte cmax[NL];

#ifdef TMAX
byte tnow;			/* ticks so far: runs are cut at TMAX ticks */
#define TICK_BOUND	(tnow < TMAX)
#define TICK_COUNT	tnow++
#else
#define TICK_BOUND	true
#define TICK_COUNT	skip
#endif
byte crashes = CRASHES;
byte freezes = FREEZES;
byte cuts = CUTS;

#if defined(NOFAULT)
#define GIVEUP_OK(a, tmo)	false	/* no timeouts: every command is answered */
#define SPEND_FAIL		skip
#elif defined(LIVENESS)
#define GIVEUP_OK(a, tmo)	(fails > 0)
#define SPEND_FAIL		fails--
#else
#define GIVEUP_OK(a, tmo)	((a) >= (tmo))
#define SPEND_FAIL		skip
#endif

/* A renewal submitted after the resume got a definite answer. */
#define LEARNED(n)	if :: susp[n] == 2 -> susp[n] = 0 :: else fi

/* Every lock held (and not lost) is lost: the loss epoch moves. */
inline bump(n) {
	hbmoved[n] = 1;
	acqmoved[n] = 1;
	susp[n] = 0;
	j = 0;
	do
	:: j < NL -> if :: held[I(n, j)] -> lost[I(n, j)] = 1 :: else fi; j++
	:: else -> break
	od
}

/* blklock_lease_fence */
inline fence(n) {
	st[n] = FENCED;
	finc[n] = SINC(cur[n]);
	bump(n);
	printf("MSC: n%d blklock_lease_fence: FENCED, every lock lost\n", n)
}

/* Queue a command of process p; sres = NONE if queued. */
inline submit(pp, kk, bb, cc, ww) {
	atomic {
	if
	:: cut[(pp) % NN] -> sres = F_CERT
	:: cut[(pp) % NN] -> sres = F_UNC
	:: else ->
		q = 0;
		do
		:: q < QMAX && qk[q] != K_FREE -> q++
		:: else -> break
		od;
		if
		:: q < QMAX ->
			qk[q] = kk; qb[q] = bb; qc[q] = cc; qw[q] = ww; qa[q] = 0;
			qs[q] = Q_WAIT; qo[q] = pp; qr[q] = 0; myq[(pp)] = q; sres = NONE
		:: else -> sres = F_CERT	/* TASK SET FULL */
		fi;
		q = 0
	fi
	}
}

#ifdef MUT_SIGHT_AT_SUBMIT
#define AGE(x)	age = qa[x]
#else
#define AGE(x)	skip
#endif
#define FREEQ(x)	qk[x] = K_FREE; qb[x] = 0; qc[x] = 0; qw[x] = 0; qa[x] = 0; qs[x] = 0; qo[x] = 0; qr[x] = 0

/* Wait for the answer of p's command, or give up after tmo.  For a CAW,
 * res = R_OK, R_MISC, F_CERT, F_UNC; for a READ, res = R_OK and val,
 * or F_UNC. */
inline await(p, tmo) {
	if
	:: sres != NONE -> res = sres
	:: atomic { sres == NONE && qs[myq[(p)]] == Q_DONE && !cut[(p) % NN] ->
		q = myq[(p)];
		if
		:: qk[q] == K_READ -> res = R_OK; val = qr[q]
		:: else -> res = qr[q]
		fi;
		AGE(q);
		FREEQ(q); myq[(p)] = NONE; q = 0; sres = 0 }
	:: atomic { sres == NONE && GIVEUP_OK(qa[myq[(p)]], tmo) ->
		q = myq[(p)];
		SPEND_FAIL;
		if
		:: qs[q] == Q_DONE -> FREEQ(q)	/* the reply is lost */
		:: else -> qs[q] = Q_ORPH	/* it may still execute */
		fi;
		myq[(p)] = NONE; res = F_UNC; q = 0; sres = 0 }
	fi
}

/* Abandon p's command (crash). */
inline orphan(p) {
	if
	:: myq[(p)] != NONE ->
		if
		:: qs[myq[(p)]] == Q_DONE -> FREEQ(myq[(p)])
		:: else -> qs[myq[(p)]] = Q_ORPH
		fi;
		myq[(p)] = NONE
	:: else
	fi
}

/* No command of node n is left at the target (a reboot takes longer than
 * LAND_MAX). */
#define OWNQ(x, n)	(qk[x] != K_FREE && qo[x] % NN == n)
#if QMAX == 2
#define NOQ(n)	(!OWNQ(0, n) && !OWNQ(1, n))
#elif QMAX == 3
#define NOQ(n)	(!OWNQ(0, n) && !OWNQ(1, n) && !OWNQ(2, n))
#elif QMAX == 4
#define NOQ(n)	(!OWNQ(0, n) && !OWNQ(1, n) && !OWNQ(2, n) && !OWNQ(3, n))
#else
#define NOQ(n)	(!OWNQ(0, n) && !OWNQ(1, n) && !OWNQ(2, n) && !OWNQ(3, n) && !OWNQ(4, n))
#endif

/* The SAN executes command i atomically. */
inline execute(i) {
	if
	:: qk[i] == K_READ -> qr[i] = blk[qb[i]]
	:: qk[i] == K_CAW ->
#ifdef MUT_NONATOMIC_CAW
		/* the target reads and compares now, writes later */
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

inline write(i) {
	/* Property 3: a record naming an owner carries a new, larger generation. */
	if
	:: qb[i] >= NN && ROWN(qw[i]) != 0 && qw[i] != qc[i] ->
		assert(RGEN(qw[i]) > granted[qb[i] - NN]);
		granted[qb[i] - NN] = RGEN(qw[i])
	:: else
	fi;
#ifdef LIVENESS
	if
	:: qb[i] >= NN && blk[qb[i]] != qw[i] -> waitc[qb[i] - NN] = 0; strandc[qb[i] - NN] = 0
	:: else
	fi;
#endif
	blk[qb[i]] = qw[i]
}

#define SANX(x) \
	:: atomic { qk[x] != K_FREE && qs[x] != Q_DONE && qa[x] < LAND_MAX -> \
		d_step { \
			k = qk[x]; \
			execute(x); \
			if \
			:: k == K_READ \
			:: else -> printf("MSC: SAN executes CAW of n%d on block %d\n", qo[x] % NN, qb[x]) \
			fi; \
			k = 0 } }

/* The SAN: any queued command, in any order, at any later moment. */
active proctype san()
{
	byte k;
end_san:
	do
	SANX(0)
#if QMAX > 1
	SANX(1)
#endif
#if QMAX > 2
	SANX(2)
#endif
#if QMAX > 3
	SANX(3)
#endif
#if QMAX > 4
	SANX(4)
#endif
	od
}

/*
 * The heartbeat of node n: blklock_lease_renew, blklock_hb_write,
 * blklock_hb_transition; and blklock_lease_claim after a crash.
 */
proctype hb(byte n) provided (frozen[n] == 0)
{
	byte nxt, sc, sst, how, q, sres, res, val, age, b, j;
	bit fresh, ok;

restart:
	{
end_hb:
	do
	:: atomic { /* blklock_lease_claim: attach again after a crash */
		atomic { st[n] == DOWN && !killhb[n] && !killus[n] && NOQ(n) ->
			busy[n] = 1; submit(n, K_READ, n, 0, 0) };
		await(n, IO_TMO);
		if
		:: res != R_OK -> goto claim_out
		:: else -> sc = val
		fi;
		if
		:: SINC(sc) != 0 ->
			/* used and not left: watch it for a lease */
			atomic { claimage[n] = 0; busy[n] = 0 };
			atomic { claimage[n] >= LEASE -> busy[n] = 1; submit(n, K_READ, n, 0, 0) };
			await(n, IO_TMO);
			if
			:: res != R_OK -> goto claim_out
			:: val == sc
			:: val == sc + 1 && !SEV(sc) -> sc = val	/* evicted meanwhile: not a second host */
			:: else ->
				printf("MSC: n%d blklock_lease_claim: EADDRINUSE\n", n);
				assert(false)	/* property 5 */
			fi
		:: else
		fi;
		if
		:: SINC(sc) >= INCMAX -> goto claim_out	/* bound: no more incarnations */
		:: else
		fi;
		atomic {
			nxt = SL(SINC(sc) + 1, 0, 0); rnage[n] = 0;
			printf("MSC: n%d blklock_lease_claim: CAW slot %d -> %d\n", n, sc, nxt);
			submit(n, K_CAW, n, sc, nxt) };
		await(n, IO_TMO);
		if
		:: res != R_OK ->
			submit(n, K_READ, n, 0, 0);
			await(n, IO_TMO);
			if
			:: res == R_OK && val == nxt
			:: else -> goto claim_out
			fi
		:: else
		fi;
		atomic {
			st[n] = LIVE; cur[n] = nxt; okage[n] = rnage[n]; finc[n] = 0;
			haspend[n] = 0; pend[n] = 0; due[n] = 0;
			printf("MSC: n%d blklock_lease_claim: LIVE, incarnation %d\n", n, SINC(nxt)) };
claim_out:
		atomic { busy[n] = 0; nxt = 0; sc = 0; sst = 0; how = 0; res = 0; val = 0; age = 0; sres = 0; q = 0; b = 0; fresh = 0; ok = 0; j = 0 }
	   }
	:: atomic { /* blklock_lease_renew */
		atomic { (st[n] == LIVE || st[n] == FENCED) && due[n] ->
			due[n] = 0;
			hbmoved[n] = 0;
			sst = st[n];
			fresh = 0;
			if
			:: haspend[n] -> nxt = pend[n]	/* resend the unknown image */
			:: !haspend[n] && sst == FENCED && SINC(cur[n]) < INCMAX ->
				nxt = SL(SINC(cur[n]) + 1, 0, 0)	/* rejoin: new incarnation */
			:: !haspend[n] && sst == LIVE && SCTR(cur[n]) < CTRMAX ->
				nxt = SL(SINC(cur[n]), SCTR(cur[n]) + 1, 0)
			:: else -> goto renew_out	/* bounds reached: no renewal */
			fi;
			fresh = (SINC(nxt) > finc[n]);
			rnage[n] = 0;
			if
			:: susp[n] == 1 -> susp[n] = 2	/* the first renewal after a resume */
			:: else
			fi;
			busy[n] = 1;
			printf("MSC: n%d blklock_lease_renew: CAW slot %d -> %d\n", n, cur[n], nxt);
			submit(n, K_CAW, n, cur[n], nxt) };
		/* blklock_hb_write */
		await(n, HB_TMO);
		if
		:: res == R_OK -> goto wrote
		:: else
		fi;
		how = res;		/* how the CAW ended */
		submit(n, K_READ, n, 0, 0);
		res = 0;
		await(n, HB_TMO);
		ok = (res == R_OK);
		b = val;
		/* blklock_caw_outcome, then blklock_hb_transition */
		if
		:: ok && b == nxt -> goto wrote
		:: ok && b == cur[n] && how == F_CERT -> atomic { LEARNED(n); printf("MSC: n%d renewal NOT_RUN\n", n) }
		:: ok && b == cur[n] && how == F_UNC ->
			atomic {
				LEARNED(n);
				if
				:: !haspend[n] -> pdage[n] = rnage[n]
				:: else
				fi;
				haspend[n] = 1; pend[n] = nxt;
				printf("MSC: n%d renewal UNKNOWN: pending %d\n", n, nxt) }
		:: ok && b == cur[n] && how == R_MISC ->
			assert(false)		/* a false miscompare: not on a healthy SAN */
		:: ok && (b == cur[n] + 1 && !SEV(cur[n]) || haspend[n] && b == pend[n] + 1 && !SEV(pend[n])) ->
			atomic {
				bump(n);
				st[n] = FENCED; finc[n] = SINC(cur[n]);
				cur[n] = b; haspend[n] = 0; pend[n] = 0;
				printf("MSC: n%d blklock_hb_transition: EVICTED, every lock lost\n", n) }
		:: ok && haspend[n] && b == pend[n] && b != nxt ->
			atomic {
				LEARNED(n);
				cur[n] = pend[n]; haspend[n] = 0; pend[n] = 0; due[n] = 1;
				printf("MSC: n%d renewal: pending landed late, retry\n", n) }
		:: !ok -> skip		/* nothing learned: NOT_RUN or UNKNOWN */
			if
			:: how == F_UNC ->
				atomic {
					if
					:: !haspend[n] -> pdage[n] = rnage[n]
					:: else
					fi;
					haspend[n] = 1; pend[n] = nxt }
			:: else
			fi
		:: else ->
			atomic {
				printf("MSC: n%d blklock_hb_transition: STOPPED (duplicate node id?) read %d\n", n, b);
				st[n] = STOPPED; bump(n);
				assert(false) }	/* property 5 */
		fi;
		goto renew_out;
wrote:
		atomic {
			/* commit, from the state it starts from */
#ifdef SPEC_RESEND_OKTIME
			okage[n] = rnage[n];
#else
			if
			:: haspend[n] && nxt == pend[n] -> okage[n] = pdage[n]	/* first copy's submission */
			:: else -> okage[n] = rnage[n]
			fi;
#endif
			cur[n] = nxt; haspend[n] = 0; pend[n] = 0; LEARNED(n);
			if
#ifdef MUT_LIVE_OLD_INC
			:: st[n] != STOPPED && (sst == LIVE || fresh) -> st[n] = LIVE
#else
			:: st[n] != STOPPED && (sst == LIVE && !hbmoved[n] || fresh) -> st[n] = LIVE
#endif
			:: else
			fi;
			if
			:: st[n] == LIVE && okage[n] >= FENCE_AFTER -> fence(n)
			:: else
			fi;
			printf("MSC: n%d renewal WROTE slot %d, state %d\n", n, nxt, st[n]) };
renew_out:
		atomic { busy[n] = 0; nxt = 0; sc = 0; sst = 0; how = 0; res = 0; val = 0; age = 0; sres = 0; q = 0; b = 0; fresh = 0; ok = 0; j = 0 }
	   }
	od
	} unless { killhb[n] -> atomic { killhb[n] = 0; busy[n] = 0;
		nxt = 0; sc = 0; sst = 0; how = 0; res = 0; val = 0; age = 0; sres = 0; q = 0; b = 0; fresh = 0; ok = 0; j = 0 } };
	goto restart
}

/*
 * The files of node n: blklock_acquire_disk (with blklock_lease_owner_stale
 * and blklock_evict), blklock_release_disk, blklock_validate, writes to
 * the fencing consumer, and blklock_reap_work.
 */
#ifdef LIVENESS
#define ACQ_OK(x)	(st[n] == LIVE && !held[I(n, x)] && (waiting[n] == 0 || waiting[n] == x + 1))
#else
#define ACQ_OK(x)	(st[n] == LIVE && !held[I(n, x)])
#endif
#define REL_OK(x)	(held[I(n, x)])
#define VAL_OK(x)	(held[I(n, x)] && !lost[I(n, x)] && !relfl[I(n, x)])
#define WR_OK(x)	(held[I(n, x)] && !lost[I(n, x)] && !relfl[I(n, x)])
#define REAP_OK(x)	(st[n] != DOWN && rpv[I(n, x)] && rpd[I(n, x)] == 0 && !held[I(n, x)])
/* choose a lock l for which C(l) holds (blocks if none) */
#if NL > 1
#define PICK(C)	if :: C(0) -> l = 0 :: C(1) -> l = 1 fi
#else
#define PICK(C)	C(0) -> l = 0
#endif

proctype user(byte n) provided (frozen[n] == 0)
{
	byte l, si, r, cmpi, mn, m, q, sres, res, val, age, b, j, g;
	bit ok, gone, ripe;

restart:
	{
end_user:
	do
	:: atomic { /* blklock_acquire_disk */
		atomic {
			PICK(ACQ_OK);
#ifdef LIVENESS
			if
			:: waiting[n] = l + 1	/* a blocking acquire */
			:: waiting[n] == 0	/* a non-blocking one */
			fi;
#endif
			busy[NN + n] = 1;
			si = SINC(cur[n]);	/* snapshot: state, incarnation, epoch */
			acqmoved[n] = 0;
			submit(NN + n, K_READ, NN + l, 0, 0) };
		await(NN + n, IO_TMO);
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
			ripe = wok[W(n, m)] && ws[W(n, m)] >= LEASE;
			submit(NN + n, K_READ, m, 0, 0);
			await(NN + n, IO_TMO);
			if
			:: res != R_OK -> goto acq_out
			:: else
			fi;
			gone = 0;
			if
			:: SINC(val) != RINC(r) || SEV(val) -> gone = 1
			:: else ->
				atomic {
					if
					:: !wok[W(n, m)] || wv[W(n, m)] != val ->
						wok[W(n, m)] = 1; wv[W(n, m)] = val;
#ifdef MUT_SIGHT_AT_SUBMIT
						/* first sighting dated at the READ's submission */
						ws[W(n, m)] = (age < LEASE -> age : LEASE);
#else
						ws[W(n, m)] = 0;	/* dated at its completion */
#endif
						ripe = 0
					:: else
					fi }
#ifdef MUT_WATCH_AFTER_READ
				ripe = (wok[W(n, m)] && ws[W(n, m)] >= LEASE);
#endif
				if
				:: ripe ->
					printf("MSC: n%d blklock_lease_owner_stale: n%d DEAD (slot %d for a lease)\n", n, m, val);
#ifdef MUT_NO_EVICT
					gone = 1
#else
					/* blklock_evict */
					atomic {
						printf("MSC: n%d blklock_evict: CAW slot of n%d %d -> %d\n", n, m, val, val + 1);
						b = val;
						submit(NN + n, K_CAW, m, b, b + 1) };
					await(NN + n, IO_TMO);
					if
					:: res == R_OK -> gone = 1
					:: else ->
						submit(NN + n, K_READ, m, 0, 0);
						await(NN + n, IO_TMO);
						if
						:: res == R_OK && val == b + 1 -> gone = 1
						:: else
						fi
					fi
#endif
				:: else
				fi
			fi;
			if
			:: gone -> cmpi = r
			:: else -> printf("MSC: n%d blklock_acquire_disk lock %d: EBUSY (n%d live)\n", n, l, m); goto acq_out
			fi
		fi;
		if
		:: RGEN(r) >= GENMAX -> goto acq_out	/* bound: no more generations */
		:: else
		fi;
		atomic {
			mn = REC(n + 1, si, RGEN(r) + 1);
			printf("MSC: n%d blklock_acquire_disk lock %d: CAW %d -> %d (gen %d)\n", n, l, cmpi, mn, RGEN(mn));
			submit(NN + n, K_CAW, NN + l, cmpi, mn) };
		await(NN + n, IO_TMO);
		if
		:: res == R_OK -> goto acq_wrote
		:: else
		fi;
		g = res;
		submit(NN + n, K_READ, NN + l, 0, 0);
		await(NN + n, IO_TMO);
		if
		:: res == R_OK && val == mn -> goto acq_wrote
		:: g == F_UNC && (res != R_OK || val == cmpi) ->
			atomic {
				/* UNKNOWN: the acquire fails, the image goes to the reaper */
				rpv[I(n, l)] = 1; rpx[I(n, l)] = mn; rpd[I(n, l)] = REAP_DELAY;
				printf("MSC: n%d blklock_acquire_disk lock %d: UNKNOWN, %d to the reaper\n", n, l, mn) }
		:: else	/* NOT_RUN, CHANGED: the attempt fails */
		fi;
		goto acq_out;
acq_wrote:
		atomic {
			held[I(n, l)] = 1; mine[I(n, l)] = mn;
#ifdef MUT_EPOCH_AFTER_CAW
			lost[I(n, l)] = 0;	/* epoch sampled now */
#else
			lost[I(n, l)] = acqmoved[n];	/* the snapshot's epoch */
#endif
			/* property 3: no generation granted twice (an acquire that
			 * completes after a fence is lost at once: not a grant) */
			if
			:: !lost[I(n, l)] -> assert(RGEN(mn) > marked[l]); marked[l] = RGEN(mn)
			:: else
			fi;
#ifdef LIVENESS
			waiting[n] = 0;
#endif
			printf("MSC: n%d blklock_acquire_disk lock %d: held at gen %d, lost %d\n", n, l, RGEN(mn), lost[I(n, l)]) };
acq_out:
		atomic {
#ifdef LIVENESS
			if
			:: waiting[n] != 0 -> tried[n] = 1
			:: else
			fi;
			if
			:: waiting[n] != 0 && !held[I(n, l)] -> waiting[n] = 0	/* the waiter gives up */
			:: true
			fi;
#endif
			busy[NN + n] = 0;
			l = 0; si = 0; r = 0; cmpi = 0; mn = 0; m = 0; sres = 0; res = 0; val = 0; age = 0; b = 0; g = 0;
			ok = 0; gone = 0; ripe = 0 }
	   }
	:: atomic { /* blklock_release_disk */
		atomic {
			PICK(REL_OK);
			if
			:: lost[I(n, l)] ->
				held[I(n, l)] = 0; lost[I(n, l)] = 0;
				printf("MSC: n%d blklock_release_disk lock %d: lost, ENOLCK\n", n, l);
				goto rel_out
			:: else
			fi;
			busy[NN + n] = 1;
			relfl[I(n, l)] = 1;
			mn = mine[I(n, l)];
			printf("MSC: n%d blklock_release_disk lock %d: CAW %d -> %d\n", n, l, mn, FREEREC(RGEN(mn)));
			submit(NN + n, K_CAW, NN + l, mn, FREEREC(RGEN(mn))) };
		await(NN + n, IO_TMO);
		if
		:: res == R_OK -> goto rel_done
		:: else
		fi;
		g = res;
		submit(NN + n, K_READ, NN + l, 0, 0);
		await(NN + n, IO_TMO);
		if
		:: res == R_OK && val == FREEREC(RGEN(mn)) -> goto rel_done
		:: g == F_CERT && (res != R_OK || val == mn) ->
			if
			:: atomic { relfl[I(n, l)] = 0 }	/* NOT_RUN: the file still holds it */
			:: atomic {			/* ... and is closed: dropped, reaped */
				held[I(n, l)] = 0; lost[I(n, l)] = 0; relfl[I(n, l)] = 0;
				rpv[I(n, l)] = 1; rpx[I(n, l)] = mn; rpd[I(n, l)] = 0 }
			fi
		:: g == F_UNC && (res != R_OK || val == mn) ->
			atomic {	/* UNKNOWN: ENOLCK, the reaper frees it if the CAW did not */
				held[I(n, l)] = 0; lost[I(n, l)] = 0; relfl[I(n, l)] = 0;
				rpv[I(n, l)] = 1; rpx[I(n, l)] = mn; rpd[I(n, l)] = REAP_DELAY;
				printf("MSC: n%d blklock_release_disk lock %d: UNKNOWN, to the reaper\n", n, l) }
		:: res == R_OK && val == mn && g == R_MISC -> assert(false)	/* false miscompare */
		:: else -> atomic { held[I(n, l)] = 0; lost[I(n, l)] = 0; relfl[I(n, l)] = 0 }	/* CHANGED: ENOLCK */
		fi;
		goto rel_out;
rel_done:
		atomic {
			held[I(n, l)] = 0; lost[I(n, l)] = 0; relfl[I(n, l)] = 0;
			printf("MSC: n%d blklock_release_disk lock %d: released\n", n, l) };
rel_out:
		atomic { busy[NN + n] = 0; l = 0; mn = 0; sres = 0; res = 0; val = 0; age = 0; g = 0 }
	   }
#ifndef NO_VALIDATE
	:: atomic { /* blklock_validate: CAW(mine -> mine) */
		atomic {
			PICK(VAL_OK);
			busy[NN + n] = 1;
			mn = mine[I(n, l)];
			submit(NN + n, K_CAW, NN + l, mn, mn) };
		await(NN + n, IO_TMO);
		if
		:: res == R_MISC ->
			submit(NN + n, K_READ, NN + l, 0, 0);
			await(NN + n, IO_TMO);
			if
			:: res == R_OK && val != mn ->
				atomic { lost[I(n, l)] = 1;
				printf("MSC: n%d blklock_validate lock %d: CHANGED, lost\n", n, l) }
			:: else
			fi
		:: else
		fi;
		atomic { busy[NN + n] = 0; l = 0; mn = 0; sres = 0; res = 0; val = 0; age = 0 }
	   }
#endif
	:: atomic {	/* a write to the fencing consumer with the lock's generation */
		PICK(WR_OK);
		g = RGEN(mine[I(n, l)]);
		if
		:: g >= cmax[l] ->
			printf("MSC: n%d consumer accepts lock %d gen %d\n", n, l, g);
			/* property 2: only a node suspended since its last renewal can
			 * write with an old generation, and only until the newer
			 * holder has written */
			assert(susp[n] || g == granted[l]);
			cmax[l] = g
		:: else ->
			printf("MSC: n%d consumer refuses lock %d gen %d < %d\n", n, l, g, cmax[l]);
			assert(susp[n])
		fi;
		l = 0; g = 0 }
	:: atomic { /* blklock_reap_work */
		atomic {
			PICK(REAP_OK);
			busy[NN + n] = 1;
			mn = rpx[I(n, l)];
			submit(NN + n, K_READ, NN + l, 0, 0) };
		await(NN + n, IO_TMO);
		if
		:: res != R_OK -> atomic { rpd[I(n, l)] = 1; goto reap_out }
		:: res == R_OK && val != mn ->
			atomic { rpv[I(n, l)] = 0; rpx[I(n, l)] = 0; goto reap_out }
		:: else
		fi;
		atomic {
			printf("MSC: n%d blklock_reap_work lock %d: CAW %d -> %d\n", n, l, mn, FREEREC(RGEN(mn)));
			submit(NN + n, K_CAW, NN + l, mn, FREEREC(RGEN(mn))) };
		await(NN + n, IO_TMO);
		if
		:: res == R_OK -> atomic { rpv[I(n, l)] = 0; rpx[I(n, l)] = 0 }
		:: else -> atomic { rpd[I(n, l)] = 1 }	/* READ again next interval */
		fi;
reap_out:
		atomic { busy[NN + n] = 0; l = 0; mn = 0; sres = 0; res = 0; val = 0; age = 0 }
	   }
	od
	} unless { killus[n] -> atomic { killus[n] = 0; busy[NN + n] = 0;
		l = 0; si = 0; r = 0; cmpi = 0; mn = 0; m = 0; q = 0; sres = 0; res = 0; val = 0; age = 0; b = 0; j = 0; g = 0;
		ok = 0; gone = 0; ripe = 0 } };
	goto restart
}

/*
 * Properties checked in every state (the monitor) or at the moment they
 * matter (asserts above: 3 at every record write and grant, 5 at
 * STOPPED/EADDRINUSE, 2 at every write to the consumer).
 */
#define HOLDS(n, l)	(held[I(n, l)] && !lost[I(n, l)] && !relfl[I(n, l)])
/* property 1 (no suspension): a holder's record is on the disk, so no two
 * nodes hold a lock; property 2 (suspension): the same for every node not
 * suspended since its last definite renewal */
#define OWNS(n, l)	(!HOLDS(n, l) || blk[NN + l] == mine[I(n, l)] || susp[n] != 0)
#define TWO(a, b, l)	(HOLDS(a, l) && HOLDS(b, l))
#if NN == 2
#define OWNS_L(l)	(OWNS(0, l) && OWNS(1, l))
#define TWO_L(l)	TWO(0, 1, l)
#else
#define OWNS_L(l)	(OWNS(0, l) && OWNS(1, l) && OWNS(2, l))
#define TWO_L(l)	(TWO(0, 1, l) || TWO(0, 2, l) || TWO(1, 2, l))
#endif
#if NL == 1
#define OWNS_ALL	OWNS_L(0)
#define TWO_ANY		TWO_L(0)
#else
#define OWNS_ALL	(OWNS_L(0) && OWNS_L(1))
#define TWO_ANY		(TWO_L(0) || TWO_L(1))
#endif
#ifdef SUSPEND
#define SAFE		OWNS_ALL
#else
#define SAFE		(OWNS_ALL && !TWO_ANY)
#endif

active proctype monitor()
{
end_mon:
	atomic {
		!SAFE ->
		printf("MSC: VIOLATION: a node holds a lock whose record is not its own\n");
		assert(false) }
}

#ifdef LIVENESS
/* Work that must be done before the next tick (the SAN answers, waiters
 * retry, renewals and the reaper run when due). */
#define RPDUE(n, x)	(rpv[I(n, x)] && rpd[I(n, x)] == 0 && !held[I(n, x)])
#if NL == 1
#define RPDUE_N(n)	RPDUE(n, 0)
#else
#define RPDUE_N(n)	(RPDUE(n, 0) || RPDUE(n, 1))
#endif
#define URG(n)	(frozen[n] == 0 && st[n] != DOWN && \
	(busy[n] || busy[NN + n] || due[n] && (st[n] == LIVE || st[n] == FENCED) || \
	 waiting[n] != 0 && !tried[n] && st[n] == LIVE || RPDUE_N(n)))
#if NN == 2
#define TICK_OK	(!URG(0) && !URG(1))
#else
#define TICK_OK	(!URG(0) && !URG(1) && !URG(2))
#endif
#else
#define TICK_OK	true
#endif

inline crash(n) {
	st[n] = DOWN; frozen[n] = 0; susp[n] = 0;
	killhb[n] = 1; killus[n] = 1;
	orphan(n); orphan(NN + n);
	busy[n] = 0; busy[NN + n] = 0;
	cur[n] = 0; pend[n] = 0; haspend[n] = 0; okage[n] = 0; rnage[n] = 0; pdage[n] = 0;
	finc[n] = 0; hbmoved[n] = 0; acqmoved[n] = 0; due[n] = 0; claimage[n] = 0;
	j = 0;
	do
	:: j < NL ->
		held[I(n, j)] = 0; lost[I(n, j)] = 0; relfl[I(n, j)] = 0; mine[I(n, j)] = 0;
		rpv[I(n, j)] = 0; rpx[I(n, j)] = 0; rpd[I(n, j)] = 0; j++
	:: else -> break
	od;
	j = 0;
	do
	:: j < NN -> wok[W(n, j)] = 0; wv[W(n, j)] = 0; ws[W(n, j)] = 0; j++
	:: else -> break
	od;
#ifdef LIVENESS
	waiting[n] = 0; tried[n] = 0;
#endif
	j = 0;
	printf("MSC: n%d crashes\n", n)
}

/* One tick of real time: each node's clock advances by 1, or by 0 for a
 * suspended node or the one node (if any) whose clock loses a tick. */
inline tick(sk) {
	TICK_COUNT;
	printf("MSC: tick\n");
	n = 0;
	do
	:: n < NN ->
		if
		:: n == sk -> lag[n]++
		:: n != sk && frozen[n] != 2 ->
			if :: okage[n] < FENCE_AFTER -> okage[n]++ :: else fi;
			if :: rnage[n] < FENCE_AFTER -> rnage[n]++ :: else fi;
			if :: pdage[n] < FENCE_AFTER -> pdage[n]++ :: else fi;
			if :: claimage[n] < LEASE -> claimage[n]++ :: else fi;
			j = 0;
			do
			:: j < NN -> if :: wok[W(n, j)] && ws[W(n, j)] < LEASE -> ws[W(n, j)]++ :: else fi; j++
			:: else -> break
			od;
			j = 0;
			do
			:: j < NL -> if :: rpv[I(n, j)] && rpd[I(n, j)] > 0 -> rpd[I(n, j)]-- :: else fi; j++
			:: else -> break
			od;
			if :: st[n] == LIVE || st[n] == FENCED -> due[n] = 1 :: else fi;
			/* the fence timer (it fires on a paused node too) */
			if :: st[n] == LIVE && okage[n] >= FENCE_AFTER -> fence(n) :: else fi
		:: else
		fi;
		n++
	:: else -> break
	od;
	j = 0;
	do
	:: j < QMAX ->
		if
		:: qk[j] != K_FREE && qa[j] < LAND_MAX -> qa[j]++
		:: else
		fi;
		if
		:: qk[j] != K_FREE && qs[j] == Q_ORPH && qa[j] >= LAND_MAX -> FREEQ(j)
		:: else
		fi;
		j++
	:: else -> break
	od;
#ifdef LIVENESS
	/* property 4: per-lock counters of ticks waited */
	l = 0;
	do
	:: l < NL ->
		r = blk[NN + l]; m = ROWN(r) - 1;
		w = 0; j = 0;
		do
		:: j < NN -> if :: waiting[j] == l + 1 && frozen[j] == 0 && st[j] == LIVE && j != m -> w = 1 :: else fi; j++
		:: else -> break
		od;
		/* 4a: a waiter, and the record names an owner that does not hold
		 * it (dead, fenced, evicted, suspended) */
		if
		:: ROWN(r) != 0 && RGEN(r) < GENMAX && w &&
		   !(HOLDS(m, l) && st[m] == LIVE && frozen[m] != 2 && RINC(r) == SINC(cur[m])) ->
			waitc[l]++;
			if
			:: waitc[l] > WAITMAX ->
				printf("MSC: VIOLATION: lock %d waited %d ticks\n", l, waitc[l]);
				assert(false)
			:: else
			fi
		:: else -> waitc[l] = 0
		fi;
		/* 4b: the record names the current incarnation of a running live
		 * node that holds no lock on it */
		if
		:: ROWN(r) != 0 && st[m] == LIVE && frozen[m] == 0 && RINC(r) == SINC(cur[m]) &&
		   !held[I(m, l)] ->
			strandc[l]++;
			if
			:: strandc[l] > STRANDMAX ->
				printf("MSC: VIOLATION: lock %d stranded %d ticks\n", l, strandc[l]);
				assert(false)
			:: else
			fi
		:: else -> strandc[l] = 0
		fi;
		l++
	:: else -> break
	od;
	j = 0;
	do
	:: j < NN -> tried[j] = 0; j++
	:: else -> break
	od;
	l = 0; r = 0; m = 0; w = 0;
#endif
	n = 0; j = 0
}

/* The environment: time, crashes, pauses and suspensions, path cuts. */
active proctype env()
{
	byte n, sk, j, l, r, m;
	bit w;

	do
	:: atomic {
		TICK_OK && TICK_BOUND ->
		if
		:: sk = NONE
		:: lag[0] < DRIFT -> sk = 0
		:: lag[1] < DRIFT -> sk = 1
#if NN > 2
		:: lag[2] < DRIFT -> sk = 2
#endif
		fi;
		d_step { tick(sk); sk = 0 } }
	:: timeout ->
		/* property 6: nothing can move before the end of the run */
		printf("MSC: DEADLOCK\n");
		assert(!TICK_BOUND);
		break
	:: atomic {
		crashes > 0 ->
		if
		:: st[0] != DOWN -> n = 0
		:: st[1] != DOWN -> n = 1
#if NN > 2
		:: st[2] != DOWN -> n = 2
#endif
		fi;
		crashes--;
		crash(n);
		n = 0 }
	:: atomic {
		freezes > 0 ->
		if
		:: frozen[0] == 0 && st[0] != DOWN -> n = 0
		:: frozen[1] == 0 && st[1] != DOWN -> n = 1
#if NN > 2
		:: frozen[2] == 0 && st[2] != DOWN -> n = 2
#endif
		fi;
		freezes--;
		if
		:: frozen[n] = 1; printf("MSC: n%d paused (clock runs)\n", n)
#ifdef SUSPEND
		:: frozen[n] = 2; susp[n] = 1; printf("MSC: n%d suspended (clock stopped)\n", n)
#endif
		fi;
		n = 0 }
	:: atomic {
		if
		:: frozen[0] != 0 -> n = 0
		:: frozen[1] != 0 -> n = 1
#if NN > 2
		:: frozen[2] != 0 -> n = 2
#endif
		fi;
		frozen[n] = 0;
		printf("MSC: n%d resumes\n", n);
		n = 0 }
	:: atomic {
		cuts > 0 ->
		if
		:: !cut[0] -> n = 0
		:: !cut[1] -> n = 1
#if NN > 2
		:: !cut[2] -> n = 2
#endif
		fi;
		cuts--; cut[n] = 1;
		printf("MSC: n%d path cut\n", n);
		n = 0 }
	:: atomic {
		if
		:: cut[0] -> n = 0
		:: cut[1] -> n = 1
#if NN > 2
		:: cut[2] -> n = 2
#endif
		fi;
		cut[n] = 0;
		printf("MSC: n%d path restored\n", n);
		n = 0 }
	od
}

init {
	byte n;

	atomic {
		n = 0;
		do
		:: n < NN ->
			blk[n] = SL(1, 0, 0); cur[n] = SL(1, 0, 0); st[n] = LIVE;
			myq[n] = NONE; myq[NN + n] = NONE;
			n++
		:: else -> break
		od;
		n = 0;
		do
		:: n < NL -> blk[NN + n] = FREEREC(0); n++
		:: else -> break
		od;
		n = 0;
		do
		:: n < NN -> run hb(n); run user(n); n++
		:: else -> break
		od;
		n = 0
	}
}
