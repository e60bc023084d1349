/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklock.pml: a Promela model of blklock's lock protocol (leases, eviction,
 * acquire, release, validate, the reaper, attach after a crash, the fencing
 * consumer) as built after issue 9, checked by spin.
 * Documentation/blklock/model.rst explains it; tools/model/run.sh runs every
 * configuration and known-bug variant.
 *
 * NODES nodes (2 or 3), LOCKS locks (1 or 2).  One process per node picks
 * its next action (renewal when due, acquire, release, validate, the
 * reaper, attach after a restart, a write to the fencing consumer); the
 * environment process moves time, runs the SAN (any queued command,
 * atomically, at any later moment below LAND_MAX ticks of age, or never),
 * crashes, restarts, pauses and suspends nodes.  Runs are cut at TMAX
 * ticks.
 *
 * Configurations (-D; run.sh lists the ones checked):
 *   NODES LOCKS  nodes (2, 3) and locks (1, 2)
 *   TMAX      ticks per run
 *   SUSPEND   a freeze is a suspension (clock stopped): property 2
 *   MIXFREEZE a freeze is a pause or a suspension (either)
 *   HEALTHY   no certain failures, no crash (timeouts and late landing
 *             stay): property 5
 *   LIVENESS  node 1 is never frozen or crashed and tries to take lock 0
 *             at every tick it does not hold it: property 4, bounded
 *   FREEZES CRASHES RESTARTS FAILS   budgets of pauses (or suspensions),
 *             crashes, restarts (attach after a crash) and certain
 *             failures per run
 *   TMOS LATES   budgets of timeouts (of commands that could still be
 *             answered) and of ticks that pass over unanswered commands;
 *             otherwise a command is answered before the next tick
 *   DRIFT     ticks one node's clock may lose
 *   ACQS RELS VALS   acquire attempts, releases and validates per node
 *   ACQS1 RELS1  acquire attempts and releases of the nodes other than
 *             node 0 (default ACQS, RELS)
 *   NOCONSUMER   no writes to the consumer with SUSPEND
 *   CONSUMER  nodes write to the fencing consumer (on with SUSPEND)
 *   ROLES     node 0 may take any lock, the other nodes only lock 0
 *   STRANDCHK a record no file holds is freed by the reaper within its
 *             delay: property 4, bounded
 * Known-bug variants (BLKLOCK_MUT in the environment of pan: the sum of
 * the M_ values below; MUT_X is M_X):
 *   MUT_NONATOMIC_CAW    the target compares, then writes later
 *   MUT_SIGHT_AT_SUBMIT  the watcher dates a first sighting at the READ's
 *                        submission
 *   MUT_WATCH_AFTER_READ the watcher judges with its READ's completion time
 *   MUT_NO_EVICT         takeover without the eviction CAW
 *   MUT_EPOCH_AFTER_CAW  the acquire samples the loss epoch after its CAW
 *   MUT_LIVE_OLD_INC     a renewal returns to LIVE with the old
 *                        incarnation after a fence
 *   MUT_REAP_EARLY       the reaper does not wait for commands of unknown
 *                        fate to land
 *   MUT_REAP_ANY         the reaper frees the record it read without
 *                        checking that it names this node's noted
 *                        incarnation
 *   MUT_REAP_NO_INC      ... checks the node id but not the incarnation
 *   MUT_ATTACH_OLD_INC   attach keeps the incarnation found in the slot
 *   MUT_VALIDATE_MEM     validate answers from memory, without its CAW
 *   MUT_REAP_SLOW        the reaper waits twice its delay
 *   MUT_WATCH_FORGET     the watcher forgets what it saw between attempts
 * Protocol switches:
 *   SPEC_RESEND_OKTIME   a resent pending renewal dates the lease from the
 *                        resend (the pre-fix C); default: the first copy
 *   MUT_NO_GUESS_REAP    an acquire whose guessed CAW (the free record a
 *                        live owner will leave) timed out and whose
 *                        read-back shows the owner's record does not give
 *                        its image to the reaper (the C before the model
 *                        found it: model.rst, "What the model found")
 */

#ifndef NODES
#define NODES 2
#endif
#ifndef LOCKS
#define LOCKS 1
#endif
#define NN NODES
#define NL LOCKS
#define NB (NN + NL)		/* blocks: slots 0..NN-1, then the records */
#define LKB(l)	(NN + (l))
#define NQ (4 * NN)		/* commands: entries 4n, 4n+1 are node n's
				 * heartbeat's, 4n+2, 4n+3 its user's */
#define QN(x)	((x) / 4)	/* the node of entry x */
#define QT(x)	((x) % 4 < 2 -> HB_TMO : IO_TMO)	/* its sender gives up at this age */
#define NX (NN * NL)
#define X(n, l)	((n) * NL + (l))

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
#define IO_TMO 2		/* lock and record commands */
#endif
#define HB_TMO 1		/* slot commands: min(io_timeout, interval) */
#ifndef LAND_MAX
#define LAND_MAX 3		/* a command executes before this age or never */
#endif
#define REAP_DELAY (IO_TMO + 1)	/* io_timeout + interval */
#ifndef DRIFT
#define DRIFT 1			/* ticks one node's clock may lose */
#endif
#ifndef TMAX
#define TMAX 8
#endif
#define TEND TMAX
#define INCMAX 7
#define CTRMAX 7
#ifndef GENMAX
#define GENMAX 3
#endif
#define ROUNDS 3		/* rounds of one acquire attempt (the C: 4) */
#ifdef HEALTHY
#define CRASHES 0
#define FAILS 0
#endif
#ifndef CRASHES
#define CRASHES 1		/* 0 or 1 */
#endif
#ifndef RESTARTS
#define RESTARTS 0
#endif
#ifndef FAILS
#define FAILS 1
#endif
#ifndef ACQS
#define ACQS 2			/* acquire attempts per node */
#endif
#ifndef RELS
#define RELS 1			/* releases per node */
#endif
#ifndef VALS
#define VALS 0			/* validates per node */
#endif
#ifndef TMOS
#define TMOS 1			/* timeouts of commands that could still be answered */
#endif
#ifndef LATES
#define LATES 1			/* ticks that pass over unanswered commands (0 or 1) */
#endif
#ifndef FREEZES
#define FREEZES 1		/* 0 or 1 */
#endif
#if defined(SUSPEND) && !defined(NOCONSUMER)
#define CONSUMER
#endif
#ifndef RELS1
#define RELS1 RELS		/* releases of the nodes other than node 0 */
#endif
#ifndef ACQS1
#define ACQS1 ACQS		/* acquire attempts of the nodes other than node 0 */
#endif

/* Known-bug variants and witnesses are chosen when pan starts, from its
 * environment: BLKLOCK_MUT, a sum of M_* values; BLKLOCK_WITNESS, a W_*
 * number (run.sh reads both tables from this file).  One compiled pan
 * thus checks a configuration, its variants and its witnesses. */
#define M_NONATOMIC_CAW		1
#define M_SIGHT_AT_SUBMIT	2
#define M_WATCH_AFTER_READ	4
#define M_NO_EVICT		8
#define M_EPOCH_AFTER_CAW	16
#define M_LIVE_OLD_INC		32
#define M_REAP_EARLY		64
#define M_REAP_ANY		128
#define M_REAP_NO_INC		256
#define M_ATTACH_OLD_INC	512
#define M_VALIDATE_MEM		1024
#define M_REAP_SLOW		2048
#define M_WATCH_FORGET		4096
#define M_NO_GUESS_REAP		8192
int mut;
byte wit;
#define MUT(m)	((mut & (m)) != 0)

/* Witnesses: BLKLOCK_WITNESS=k turns event k into an assertion, so that a
 * search shows the event is reachable (run.sh expects a trail) */
#define SEEN(k)	assert(wit != k)
#define W_ATTACH_LATE	1	/* a write of a crashed node's earlier life lands while it attaches again */
#define W_REAP_FREES	2	/* the reaper frees a record */
#define W_VALIDATE_LOST	3	/* a validate finds its lock taken */
#define W_LOSE_TWO	4	/* a node loses two locks at once */
#define W_EVICT_OTHER	5	/* two watchers evict one slot image */
#define W_TAKEOVER	6	/* a lock is taken over from a dead or gone owner */
#define W_REFUSED	7	/* the consumer refuses a stale holder's write */
#define W_ACQ_LATE	8	/* an acquire's CAW lands after its sender gave up on it */

/* slot image: incarnation, counter, EVICTED */
#define SL(i, c, e)	((i) * 16 + (c) * 2 + (e))
#define SINC(x)		((x) / 16)
#define SCTR(x)		(((x) / 2) % 8)
#define SEV(x)		((x) % 2)
/* lock record: owner (node + 1, 0 free), incarnation, generation */
#define REC(o, i, g)	((o) * 64 + (i) * 8 + (g))
#define ROWN(x)		((x) / 64)
#define RINC(x)		(((x) / 8) % 8)
#define RGEN(x)		((x) % 8)
#define FREEREC(g)	REC(0, 0, g)

#define DOWN	0
#define LIVE	1
#define FENCED	2
#define STOPPED	3
#define ATTACH	4		/* restarted, attaching (blklock_lease_claim) */

#define R_OK	0
#define R_MISC	1
#define F_CERT	2		/* certainly not executed */
#define F_UNC	3		/* fate unknown */

/* blklock_fate */
#define FT_WROTE	0
#define FT_NOTRUN	1
#define FT_UNKNOWN	2
#define FT_CHANGED	3
#define FT_UNREAD	4
#define FT_FALSE	5

/* blklock_lease_owner_stale */
#define V_LIVE	0
#define V_GONE	1
#define V_DEAD	2
#define V_ERR	3

#define K_FREE	0
#define K_READ	1
#define K_CAW	2
#define K_HALF	3		/* MUT_NONATOMIC_CAW: compared, write to come */
#define Q_WAIT	0
#define Q_DONE	1
#define Q_ORPH	2		/* nobody waits for the answer */
#define NONE	255

/* conjunctions and disjunctions over nodes, commands, locks */
#if NN == 2
#define ALLN(P)	(P(0) && P(1))
#define ANYN(P)	(P(0) || P(1))
#define ALLQ(P)	(P(0) && P(1) && P(2) && P(3) && P(4) && P(5) && P(6) && P(7))
#define ANYQ(P)	(P(0) || P(1) || P(2) || P(3) || P(4) || P(5) || P(6) || P(7))
#else
#define ALLN(P)	(P(0) && P(1) && P(2))
#define ANYN(P)	(P(0) || P(1) || P(2))
#define ALLQ(P)	(P(0) && P(1) && P(2) && P(3) && P(4) && P(5) && P(6) && P(7) && P(8) && P(9) && P(10) && P(11))
#define ANYQ(P)	(P(0) || P(1) || P(2) || P(3) || P(4) || P(5) || P(6) || P(7) || P(8) || P(9) || P(10) || P(11))
#endif
#if NL == 1
#define ALLL(P, a)	P(a, 0)
#else
#define ALLL(P, a)	(P(a, 0) && P(a, 1))
#endif

byte blk[NB];

byte qk[NQ];
byte qb[NQ];
byte qc[NQ];
byte qw[NQ];
byte qa[NQ];			/* age in ticks */
byte qs[NQ];
byte qr[NQ];			/* CAW: R_OK/R_MISC; READ: the value */

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
byte susp[NN];			/* 1 suspended, no renewal executed since; 2 one sent */
byte lag[NN];
byte incn[NN];			/* the last incarnation chosen (random in the C:
				 * never chosen twice) */
/* node processes: one per node and one per restart (a crashed node's
 * process stays blocked where it was) */
#define NP (NN + RESTARTS)
byte pn[NP];			/* the node of process slot k */
bit palive[NP];			/* ... it is the node's current life */
byte pk[NN];			/* the node's current process slot */
byte nextk = NN;
byte atage[NN];			/* attach: age of the watch */
byte atseen[NN];		/* attach: the slot image watched */
bit orphw[NN];			/* ghost: a command of an earlier life wrote the slot */

bit busy[NN];			/* a lock operation is under way */
bit hbusy[NN];			/* a renewal or the attach is under way */
bit didop[NN];			/* a lock operation started this tick */
bit didreap[NN];		/* the reaper ran this tick */
byte acqs[NN];			/* acquire attempts left */
byte rels[NN];			/* releases left */
byte vals[NN];			/* validates left */
bit vsus[NN];			/* ghost: suspended while a validate was under way */
bit vtaken[NN];			/* ghost: the record was not this node's when it started */

/* per node and lock, X(n, l) */
bit held[NX];
bit lost[NX];
bit relfl[NX];
byte mine[NX];
byte infl[NX];			/* ghost: the acquire's CAW image in flight */
bit rv[NX];			/* the reaper's entry: valid */
byte rinc[NX];			/* ... the noted incarnation */
byte rwait[NX];			/* ... ticks before it is due */

/* watch table: watcher n, owner m */
#define W(w, m)	((w) * NN + (m))
bit wok[NN * NN];
byte wv[NN * NN];
byte ws[NN * NN];		/* watcher clock - since, capped at LEASE */

/* ghosts, per lock */
byte evb[NN];			/* ghost: the slot image an eviction last wrote */
byte granted[NL];		/* largest generation written with an owner */
byte marked[NL];		/* largest generation granted to a node */
#ifdef CONSUMER
byte cmax[NL];			/* the consumer's largest accepted */
#endif
#ifdef STRANDCHK
byte strandage[NL];		/* ticks a record names a LIVE node's current
				 * incarnation that does not hold it */
#endif
#ifdef LIVENESS
byte deadage;			/* ticks lock 0's record names node 0 while it
				 * is not live and its slot stands still */
byte slot0;			/* node 0's slot, EVICTED masked */
#endif

byte tnow;
/* chosen at each tick for the tick that starts (see INSTANT): its end
 * may pass over unanswered commands; node 0 freezes or crashes in it */
bit latenow;
bit freezenow;
bit crashnow;
byte lates = LATES;
byte crashes = CRASHES;
byte restarts = RESTARTS;
byte freezes = FREEZES;
byte fails = FAILS;
byte tmos = TMOS;


/* node a holds lock l: held, not lost, no release under way */
#define HOLDS(a, l)	(held[X(a, l)] && !lost[X(a, l)] && !relfl[X(a, l)])

/* a resumed node has learnt what it lost: its renewal executed, or it
 * found its slot evicted */
#define LEARNED	if :: susp[n] == 2 -> susp[n] = 0 :: else fi

#if NL == 1
#define LOSEALL	if :: held[X(n, 0)] -> lost[X(n, 0)] = 1 :: else fi
#else
#define LOSEALL	if :: HOLDS(n, 0) && HOLDS(n, 1) -> SEEN(W_LOSE_TWO) :: else fi; \
		if :: held[X(n, 0)] -> lost[X(n, 0)] = 1 :: else fi; \
		if :: held[X(n, 1)] -> lost[X(n, 1)] = 1 :: else fi
#endif

/* the loss epoch moves: every lock held is lost */
inline bump() {
	cure[n] = 0; pde[n] = 0; nxe[n] = 0; acqmoved[n] = 1; susp[n] = 0;
	LOSEALL
}

/* blklock_lease_fence */
inline fence() {
	st[n] = FENCED; okage[n] = 0; bump();
	printf("t=%d n%d fenced (timer), every lock lost\n", tnow, n)
}

#define FREEQ(x)	qk[x] = K_FREE; qb[x] = 0; qc[x] = 0; qw[x] = 0; qa[x] = 0; qs[x] = 0; qr[x] = 0

inline write(i) {
	/* property 3: a record naming an owner carries a new, larger generation */
	if
	:: qb[i] >= NN && ROWN(qw[i]) != 0 && qw[i] != qc[i] ->
		assert(RGEN(qw[i]) > granted[qb[i] - NN]); granted[qb[i] - NN] = RGEN(qw[i])
	:: else
	fi;
	if :: qs[i] == Q_ORPH && qb[i] == QN(i) && st[QN(i)] == ATTACH -> orphw[QN(i)] = 1 :: else fi;
	if :: qs[i] == Q_ORPH && st[QN(i)] == ATTACH -> SEEN(W_ATTACH_LATE) :: else fi;
	if :: qs[i] == Q_ORPH && qb[i] >= NN && ROWN(qw[i]) != 0 && qw[i] != qc[i] -> SEEN(W_ACQ_LATE) :: else fi;
	blk[qb[i]] = qw[i]
}

/* the SAN executes entry i atomically */
inline execute(i) {
	if
	:: qk[i] == K_READ -> qr[i] = blk[qb[i]]
	:: qk[i] == K_CAW ->
		if
		:: blk[qb[i]] == qc[i] && MUT(M_NONATOMIC_CAW) -> qk[i] = K_HALF
		:: blk[qb[i]] == qc[i] && !MUT(M_NONATOMIC_CAW) -> write(i); qr[i] = R_OK
		:: else -> qr[i] = R_MISC
		fi
	:: qk[i] == K_HALF -> write(i); qr[i] = R_OK; qk[i] = K_CAW
	fi;
	if
	:: qk[i] == K_HALF
	:: qk[i] != K_HALF && qs[i] == Q_ORPH -> FREEQ(i)
	:: qk[i] != K_HALF && qs[i] != Q_ORPH -> qs[i] = Q_DONE
	fi
}

/* Only node 0 is ever frozen or crashed: the nodes run the same code
 * from the same state and every configuration freezes or crashes at most
 * one node, so by symmetry that node may be node 0. */
#define CANFAIL(a)	(a == 0)

/* A READ that cannot be late is answered before the next tick: it
 * samples the disk at its submission here, and the reader goes on at
 * once.  Sampling later in the tick is the same as submitting later: the
 * reader's next command is a CAW, which the SAN executes at a moment of
 * its choice, so every window between a READ and the CAW that acts on
 * it stays open; the SAN does not pick the READ's moment among all the
 * others.  A renewal's CAW (rnw) follows no READ: it is planned from the
 * node's own state, which nothing else changes within a tick, so it too
 * is executed at its submission.  Other CAWs are not: the sender would
 * go on atomically to its next command, closing a window.  A command
 * can be late only in the tick that ends with the late tick, or
 * in the tick of its node's freeze or crash: the environment chooses
 * those at the start of each tick (CHOOSE), while its budgets last. */
#define INSTANT(a)	(!latenow && (!CANFAIL(a) || !freezenow && !crashnow))

/* a process sends a command with one of its two entries (qb0: the
 * first); a third command while two wait is refused */
inline submit(kk, bb, cc, ww) {
	if
	:: fails > 0 -> fails--; sres = F_CERT
	:: qk[qb0] == K_FREE -> q = qb0
	:: qk[qb0] != K_FREE && qk[qb0 + 1] == K_FREE -> q = qb0 + 1
	:: qk[qb0] != K_FREE && qk[qb0 + 1] != K_FREE -> sres = F_CERT
	fi;
	if
	:: sres == NONE -> qk[q] = kk; qb[q] = bb; qc[q] = cc; qw[q] = ww; qa[q] = 0; qs[q] = Q_WAIT; qr[q] = 0;
		if
		:: kk == K_READ && INSTANT(n) -> qr[q] = blk[bb]; qs[q] = Q_DONE
		:: kk == K_CAW && rnw && INSTANT(n) ->
			printf("t=%d SAN executes CAW of n%d on block %d\n", tnow, n, bb);
			execute(q)
		:: else
		fi
	:: else
	fi
}


/* wait for the answer (res, val, age) or give up after tmo ticks */
inline await() {
	if
	:: sres != NONE -> res = sres
	:: atomic { sres == NONE && qs[q] == Q_DONE ->
		if :: qk[q] == K_READ -> res = R_OK; val = qr[q] :: else -> res = qr[q] fi;
		if :: MUT(M_SIGHT_AT_SUBMIT) -> age = qa[q] :: else fi;
		FREEQ(q) }
	:: atomic { sres == NONE && qa[q] >= QT(q) && (tmos > 0 || qa[q] >= LAND_MAX) ->
		if :: qa[q] < LAND_MAX -> tmos-- :: else fi;
		if :: qs[q] == Q_DONE -> FREEQ(q) :: else -> qs[q] = Q_ORPH fi;
		printf("t=%d n%d gives up on its command (fate unknown)\n", tnow, n);
		res = F_UNC }
	fi;
	sres = NONE; q = 0
}

/* blklock_caw_resolve with blklock_caw_fate: send CAW(bb: cc -> ww),
 * read the block back after anything but success, resend after a false
 * miscompare (one more copy here; four in all in the C).  Sets fate, and
 * val: what the block held when read back. */
inline caw(bb, cc, ww) {
	copies = 0; unc = 0;
	do
	:: submit(K_CAW, bb, cc, ww);
		await();
		if
		:: res == R_OK -> fate = FT_WROTE; break
		:: else
		fi;
		if :: res == F_UNC -> unc = 1 :: else fi;
		how = res;
		submit(K_READ, bb, 0, 0);
		await();
		if
		:: res != R_OK && unc -> fate = FT_UNKNOWN
		:: res != R_OK && !unc && how == R_MISC -> fate = FT_UNREAD
		:: res != R_OK && !unc && how != R_MISC -> fate = FT_NOTRUN
		:: res == R_OK && val == ww -> fate = FT_WROTE
		:: res == R_OK && val != ww && val != cc -> fate = FT_CHANGED
		:: res == R_OK && val != ww && val == cc && unc -> fate = FT_UNKNOWN
		:: res == R_OK && val != ww && val == cc && !unc && how == R_MISC -> fate = FT_FALSE
		:: res == R_OK && val != ww && val == cc && !unc && how != R_MISC -> fate = FT_NOTRUN
		fi;
		if
		:: fate == FT_FALSE && copies == 0 -> copies = 1
		:: else -> break
		fi
	od;
	copies = 0; how = 0; res = 0
}


/* blklock_reap_note: the reaper keeps one entry per lock, the latest
 * image's incarnation and the latest due time */
inline note(img, delay) {
	if
	:: MUT(M_REAP_EARLY) -> rwait[x] = 0
	:: MUT(M_REAP_SLOW) && (!rv[x] || rwait[x] < 2 * delay) -> rwait[x] = 2 * delay
	:: !MUT(M_REAP_EARLY) && !MUT(M_REAP_SLOW) && (!rv[x] || rwait[x] < delay) -> rwait[x] = delay
	:: else
	fi;
	rv[x] = 1; rinc[x] = RINC(img)
}

/* a lock l of node a with P(a, l): is there one, pick one */
#if NL == 1
#define ANYL(P, a)	P(a, 0)
#define PICKL(P)	l = 0
#else
#define ANYL(P, a)	(P(a, 0) || P(a, 1))
#define PICKL(P)	if :: P(n, 0) -> l = 0 :: P(n, 1) -> l = 1 fi
#endif
/* ROLES: node 0 may take any lock, the others only lock 0 (what three
 * nodes and two locks add: three nodes on one lock, a node that holds
 * two locks and loses both at once) */
#ifdef ROLES
#define ACQL(a, l)	(!held[X(a, l)] && (a == 0 || l == 0))
#else
#define ACQL(a, l)	(!held[X(a, l)])
#endif
#define RELL(a, l)	held[X(a, l)]
#define RDUE1(a, l)	(rv[X(a, l)] && rwait[X(a, l)] == 0)

/* The renewal and the lock operations of a node run in two processes, as
 * in the C (a work item; the caller's context), but a renewal starts
 * during a lock operation only once that operation's command has gone
 * unanswered across a tick (ULATE), and a lock operation does not start
 * during a renewal: an operation answered within its tick runs between
 * two renewals.  This keeps the interleavings that matter (a slow lock
 * command with the heartbeat going on, a fence during it) at a fraction
 * of the states. */
#define UQ(a, k)	(qk[4 * (a) + k] != K_FREE && qs[4 * (a) + k] == Q_WAIT && (qa[4 * (a) + k] >= 1 || latenow))
#define ULATE(a)	(UQ(a, 2) || UQ(a, 3))
#define HBMAY(a)	(!busy[a] || ULATE(a))

/* a node's heartbeat: the renewal work item (lease.c), and attach */
proctype hb(byte id) provided (palive[id] && frozen[pn[id]] == 0 && st[pn[id]] != DOWN)
{
	byte n = pn[id];
	byte qb0 = 4 * pn[id];
	byte nxt, sst, how, res, val, age, q, fate, sres = NONE;
	bit copies, unc, rnw;

end_hb:
	do
	:: atomic { /* blklock_lease_renew */
		atomic { (st[n] == LIVE || st[n] == FENCED) && due[n] && HBMAY(n) && tnow < TMAX ->
			hbusy[n] = 1; due[n] = 0; sst = st[n];
			/* blklock_hb_plan */
			if
			:: haspend[n] -> nxt = pend[n]; nxe[n] = pde[n]
			:: !haspend[n] && sst == FENCED && incn[n] < INCMAX ->
				incn[n]++; nxt = SL(incn[n], SCTR(cur[n]) + 1, 0); nxe[n] = 1	/* new incarnation */
			:: !haspend[n] && sst == LIVE && SCTR(cur[n]) < CTRMAX ->
				nxt = SL(SINC(cur[n]), SCTR(cur[n]) + 1, 0); nxe[n] = cure[n]
			:: else -> goto renew_out
			fi;
			rnage[n] = 0; rn[n] = 1;
			if :: susp[n] == 1 -> susp[n] = 2 :: else fi;
			printf("t=%d n%d renew CAW slot %d -> %d sent\n", tnow, n, cur[n], nxt) };
		rnw = 1;
		caw(n, cur[n], nxt);	/* blklock_hb_write */
		rnw = 0;
		/* blklock_hb_settle: EVICTED is cur or next marked evicted, as
		 * blklock_hb_is_evicted(found, cur, next) in the C */
		if
		:: fate == FT_WROTE -> goto wrote
		:: fate == FT_CHANGED && (val == cur[n] + 1 && !SEV(cur[n]) || val == nxt + 1 && !SEV(nxt)) ->
			bump(); st[n] = FENCED;
			cur[n] = val; haspend[n] = 0; pend[n] = 0;
			printf("t=%d n%d renew finds EVICTED (slot %d), every lock lost\n", tnow, n, val)
		:: fate == FT_CHANGED && !(val == cur[n] + 1 && !SEV(cur[n]) || val == nxt + 1 && !SEV(nxt)) ->
			printf("t=%d n%d STOPPED: slot %d written by another host\n", tnow, n, val);
			st[n] = STOPPED; bump();
			assert(false)	/* property 5 */
		:: fate == FT_UNKNOWN ->
			if :: !haspend[n] -> pdage[n] = rnage[n] :: else fi;
			haspend[n] = 1; pend[n] = nxt; pde[n] = nxe[n];
			printf("t=%d n%d renew UNKNOWN, pending %d\n", tnow, n, nxt)
		:: fate == FT_NOTRUN || fate == FT_UNREAD ->
			printf("t=%d n%d renew NOT_RUN\n", tnow, n)
		:: fate == FT_FALSE -> assert(false)	/* the slot never returns to cur */
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
		:: st[n] != STOPPED && (nxe[n] || MUT(M_LIVE_OLD_INC) && sst == LIVE) -> st[n] = LIVE; cure[n] = 1
		:: else ->
			if :: st[n] == LIVE -> bump() :: else fi;
			st[n] = FENCED; cure[n] = 0
		fi;
		nxe[n] = 0;
		if :: st[n] == LIVE && okage[n] >= FENCE_AFTER -> fence() :: else fi;
		printf("t=%d n%d renew WROTE slot %d, state %d\n", tnow, n, nxt, st[n]);
renew_out:
		rn[n] = 0; rnage[n] = 0; if :: !haspend[n] -> pdage[n] = 0 :: else fi;
		hbusy[n] = 0; nxt = 0; sst = 0; val = 0; age = 0; fate = 0; unc = 0
	   }
#if RESTARTS > 0
	:: atomic { /* blklock_lease_claim: read the slot */
		atomic { st[n] == ATTACH && !hbusy[n] && atage[n] == 0 && tnow < TMAX ->
			hbusy[n] = 1; orphw[n] = 0;
			submit(K_READ, n, 0, 0) };
		await();
		if
		:: res == R_OK -> atseen[n] = val; atage[n] = 1; hbusy[n] = 0;
			printf("t=%d n%d attach: slot %d, watching it for a lease\n", tnow, n, val)
		:: else -> st[n] = DOWN; cur[n] = 0; hbusy[n] = 0; printf("t=%d n%d attach fails\n", tnow, n)
		fi;
		val = 0; age = 0
	   }
	:: atomic { /* blklock_claim_watch (its last READ), then the CAW */
		atomic { st[n] == ATTACH && !hbusy[n] && atage[n] > LEASE && tnow < TMAX ->
			hbusy[n] = 1;
			submit(K_READ, n, 0, 0) };
		await();
		if
		:: res != R_OK -> st[n] = DOWN; printf("t=%d n%d attach fails\n", tnow, n); goto att_out
		:: res == R_OK && val / 2 == atseen[n] / 2 -> atseen[n] = val	/* evicted meanwhile: nobody */
		:: else ->
			printf("t=%d n%d attach: slot moved %d -> %d, EADDRINUSE\n", tnow, n, atseen[n], val);
			/* property 5: only a late command of this node's earlier
			 * life moves the slot here */
			assert(orphw[n]);
			st[n] = DOWN; goto att_out
		fi;
		if :: incn[n] >= INCMAX || SCTR(atseen[n]) >= CTRMAX -> st[n] = DOWN; goto att_out :: else fi;
		if
		:: MUT(M_ATTACH_OLD_INC) -> nxt = SL(SINC(atseen[n]), SCTR(atseen[n]) + 1, 0)
		:: else -> incn[n]++; nxt = SL(incn[n], SCTR(atseen[n]) + 1, 0)
		fi;
		printf("t=%d n%d attach CAW slot %d -> %d sent\n", tnow, n, atseen[n], nxt);
		rn[n] = 1; rnage[n] = 0;
		caw(n, atseen[n], nxt);
		if
		:: fate == FT_WROTE ->
			cur[n] = nxt; st[n] = LIVE; cure[n] = 1; okage[n] = rnage[n]; due[n] = 0;
			printf("t=%d n%d attached, incarnation %d\n", tnow, n, SINC(nxt))
		:: fate == FT_CHANGED ->
			printf("t=%d n%d attach: slot changed to %d, EADDRINUSE\n", tnow, n, val);
			assert(orphw[n] || val / 2 == atseen[n] / 2);	/* property 5, as above */
			st[n] = DOWN
		:: else -> st[n] = DOWN; printf("t=%d n%d attach fails\n", tnow, n)
		fi;
att_out:
		if :: st[n] == DOWN -> cur[n] = 0 :: else fi;
		rn[n] = 0; rnage[n] = 0; hbusy[n] = 0; atage[n] = 0; atseen[n] = 0; orphw[n] = 0; nxt = 0; val = 0; age = 0; fate = 0; unc = 0
	   }
#endif
	od
}

/* a node's lock operations, its reaper and its writes to the consumer
 * (one at a time: the C runs them under the lock's mutex) */
proctype user(byte id) provided (palive[id] && frozen[pn[id]] == 0 && st[pn[id]] != DOWN)
{
	byte n = pn[id];
	byte qb0 = 4 * pn[id] + 2;
	byte how, res, val, age, b, r, cmpi, mn, m, si, q, l, x, fate, rounds, sres = NONE;
	bit gone, ripe, stale, copies, unc, rnw;	/* rnw: always 0 here */

end_user:
	do
	:: atomic { /* blklock_acquire_disk */
		atomic { st[n] == LIVE && !hbusy[n] && !didop[n] && acqs[n] > 0 && tnow < TMAX && ANYL(ACQL, n) ->
			PICKL(ACQL);
			x = X(n, l); acqs[n]--; busy[n] = 1; didop[n] = 1; si = SINC(cur[n]); acqmoved[n] = 0;
			submit(K_READ, LKB(l), 0, 0) };	/* blklock_read_rec */
		await();
		if
		:: res != R_OK -> goto acq_out
		:: else -> r = val
		fi;
acq_round:
		/* blklock_acquire_round: a record of another node, not judged
		 * stale, is guessed released (the free record at its generation) */
		if
		:: ROWN(r) == 0 || ROWN(r) == n + 1 && RINC(r) == si || stale -> cmpi = r
		:: else -> cmpi = FREEREC(RGEN(r))
		fi;
		if
		:: RGEN(cmpi) >= GENMAX -> goto acq_out	/* bound */
		:: else
		fi;
		mn = REC(n + 1, si, RGEN(cmpi) + 1);
		printf("t=%d n%d acquire CAW lock %d: %d -> %d (g%d) sent\n", tnow, n, l, cmpi, mn, RGEN(mn));
		infl[x] = mn;
		caw(LKB(l), cmpi, mn);
		infl[x] = 0;
		if
		:: fate == FT_WROTE -> goto acq_wrote
		:: fate == FT_UNKNOWN ->
			note(mn, REAP_DELAY);
			printf("t=%d n%d acquire UNKNOWN, %d to the reaper\n", tnow, n, mn);
			goto acq_out
		:: fate == FT_CHANGED ->
			/* blklock_acquire_leftover: the guessed image reappears
			 * when the owner releases: a copy that may still land is
			 * the reaper's */
			if :: unc && cmpi != r && !MUT(M_NO_GUESS_REAP) -> note(mn, REAP_DELAY) :: else fi;
			r = val
		:: else -> printf("t=%d n%d acquire failed\n", tnow, n); goto acq_out
		fi;
		rounds++;
		if
		:: rounds >= ROUNDS -> printf("t=%d n%d acquire EBUSY (kept changing)\n", tnow, n); goto acq_out
		:: else
		fi;
		/* blklock_judge */
		stale = 0;
		if
		:: ROWN(r) == 0 || ROWN(r) == n + 1 && RINC(r) == si -> goto acq_round
		:: else
		fi;
		/* blklock_lease_owner_stale */
		m = ROWN(r) - 1;
		if :: MUT(M_WATCH_FORGET) -> wok[W(n, m)] = 0; wv[W(n, m)] = 0; ws[W(n, m)] = 0 :: else fi;
		ripe = m != n && wok[W(n, m)] && ws[W(n, m)] >= LEASE;	/* judged at submission */
		submit(K_READ, m, 0, 0);
		await();
		if
		:: res != R_OK -> goto acq_out
		:: else
		fi;
		gone = 0;
		if
		:: SINC(val) != RINC(r) || SEV(val) -> gone = 1
		:: else -> if :: m == n -> goto acq_busy :: else fi;	/* another host writes our slot */
			if
			:: !wok[W(n, m)] || wv[W(n, m)] != val ->
				wok[W(n, m)] = 1; wv[W(n, m)] = val;
				if
				:: MUT(M_SIGHT_AT_SUBMIT) -> ws[W(n, m)] = (age < LEASE -> age : LEASE)
				:: else -> ws[W(n, m)] = 0	/* dated at completion */
				fi;
				ripe = 0;
				printf("t=%d n%d watch n%d: slot %d, first seen %d ticks ago\n", tnow, n, m, val, ws[W(n, m)])
			:: else
			fi;
			if :: MUT(M_WATCH_AFTER_READ) -> ripe = (wok[W(n, m)] && ws[W(n, m)] >= LEASE) :: else fi;
			if
			:: ripe ->
				printf("t=%d n%d watch n%d DEAD (slot %d for a lease)\n", tnow, n, m, val);
				if :: MUT(M_NO_EVICT) -> gone = 1; goto evicted :: else fi;
				/* blklock_evict */
				b = val;
				printf("t=%d n%d evict CAW slot of n%d %d -> %d sent\n", tnow, n, m, b, b + 1);
				caw(m, b, b + 1);
				/* two watchers' evictions write the same image: the
				 * second one's miscompare reads back as written */
				if
				:: fate == FT_WROTE -> gone = 1;
					if :: evb[m] == b + 1 -> SEEN(W_EVICT_OTHER) :: else -> evb[m] = b + 1 fi
				:: fate == FT_CHANGED && val == b + 1 -> gone = 1
				:: else
				fi
			:: else
			fi
		fi;
evicted:
		if
		:: gone -> stale = 1; goto acq_round
		:: else
		fi;
acq_busy:
		printf("t=%d n%d acquire EBUSY (n%d live)\n", tnow, n, m);
		goto acq_out;
acq_wrote:
		if :: stale -> SEEN(W_TAKEOVER) :: else fi;
		held[x] = 1; mine[x] = mn;
		lost[x] = acqmoved[n] && !MUT(M_EPOCH_AFTER_CAW);	/* the snapshot's epoch */
		/* property 3: no generation granted twice (a node suspended
		 * since its last definite renewal may complete an acquire whose
		 * CAW landed before the suspension: property 2 covers it) */
		if
		:: !lost[x] && !susp[n] -> assert(RGEN(mn) > marked[l]); marked[l] = RGEN(mn)
		:: else
		fi;
		/* blklock_acquired: lost at once, to the reaper */
		if :: lost[x] -> note(mn, 0) :: else fi;
		printf("t=%d n%d acquire: lock %d held at g%d, lost %d\n", tnow, n, l, RGEN(mn), lost[x]);
acq_out:
		infl[x] = 0; acqmoved[n] = 0; busy[n] = 0; si = 0; r = 0; cmpi = 0; mn = 0; m = 0; val = 0; age = 0;
		b = 0; gone = 0; ripe = 0; stale = 0; rounds = 0; fate = 0; l = 0; x = 0; unc = 0
	   }
	:: atomic { /* blklock_release_disk */
		atomic { !hbusy[n] && !didop[n] && rels[n] > 0 && tnow < TMAX && ANYL(RELL, n) ->
			PICKL(RELL);
			x = X(n, l); rels[n]--; busy[n] = 1; didop[n] = 1;
			if
			:: lost[x] -> held[x] = 0; lost[x] = 0; mine[x] = 0; printf("t=%d n%d release lock %d: lost, ENOLCK\n", tnow, n, l); goto rel_out
			:: else
			fi;
			relfl[x] = 1; mn = mine[x];
			printf("t=%d n%d release CAW lock %d: %d -> %d sent\n", tnow, n, l, mn, FREEREC(RGEN(mn))) };
		caw(LKB(l), mn, FREEREC(RGEN(mn)));
		if
		:: fate == FT_WROTE -> printf("t=%d n%d released lock %d\n", tnow, n, l)
		:: fate == FT_CHANGED -> printf("t=%d n%d release: CHANGED, ENOLCK\n", tnow, n)
		:: fate == FT_UNKNOWN ->
			note(mn, REAP_DELAY);
			printf("t=%d n%d release UNKNOWN, ENOLCK, to the reaper\n", tnow, n)
		:: else ->
			/* certainly still ours: the ioctl keeps it; a close drops it
			 * and leaves it to the reaper (blklock_release_all) */
			if
			:: relfl[x] = 0; goto rel_out
			:: note(mn, 0); printf("t=%d n%d close: release failed, to the reaper\n", tnow, n)
			fi
		fi;
		held[x] = 0; lost[x] = 0; mine[x] = 0; relfl[x] = 0;
rel_out:
		busy[n] = 0; mn = 0; val = 0; age = 0; fate = 0; l = 0; x = 0; unc = 0
	   }
#if VALS > 0
	:: atomic { /* blklock_validate */
		atomic { !hbusy[n] && !didop[n] && vals[n] > 0 && tnow < TMAX && ANYL(HOLDS, n) ->
			PICKL(HOLDS);
			x = X(n, l); vals[n]--; busy[n] = 1; didop[n] = 1; vsus[n] = 0; mn = mine[x];
			vtaken[n] = blk[LKB(l)] != mn };
		if
		:: MUT(M_VALIDATE_MEM) -> fate = FT_WROTE
		:: else -> caw(LKB(l), mn, mn)
		fi;
		if
		:: fate == FT_WROTE && !lost[x] ->
			printf("t=%d n%d validate lock %d: held\n", tnow, n, l);
			/* a validate says held only while the record is this node's,
			 * unless the node is in its suspension window (then a
			 * takeover may follow its CAW at once) or was suspended
			 * during it; and never for a record taken before it started */
			assert(blk[LKB(l)] == mn || susp[n] || vsus[n]);
			assert(!vtaken[n])
		:: fate == FT_WROTE && lost[x] -> printf("t=%d n%d validate lock %d: ENOLCK\n", tnow, n, l)
		:: fate == FT_CHANGED -> lost[x] = 1; printf("t=%d n%d validate lock %d: taken, lost\n", tnow, n, l); SEEN(W_VALIDATE_LOST)
		:: else
		fi;
		busy[n] = 0; mn = 0; val = 0; age = 0; fate = 0; l = 0; x = 0; vsus[n] = 0; vtaken[n] = 0; unc = 0
	   }
#endif
	:: atomic { /* blklock_reap_workfn, one noted lock */
		atomic { !hbusy[n] && !didreap[n] && st[n] != ATTACH && tnow < TMAX && ANYL(RDUE1, n) ->
			PICKL(RDUE1);
			x = X(n, l); didreap[n] = 1; busy[n] = 1;
			if
			:: held[x] && !lost[x] -> rv[x] = 0; goto reap_out	/* taken back */
			:: else
			fi;
			submit(K_READ, LKB(l), 0, 0) };
		await();
		if
		:: res != R_OK -> goto reap_out	/* again at the next interval */
		:: else -> r = val
		fi;
		if
		:: MUT(M_REAP_ANY)
		:: !MUT(M_REAP_ANY) && (ROWN(r) != n + 1 || RINC(r) != rinc[x] && !MUT(M_REAP_NO_INC)) -> rv[x] = 0; goto reap_out
		:: else
		fi;
		printf("t=%d n%d reaper frees lock %d: %d -> %d\n", tnow, n, l, r, FREEREC(RGEN(r)));
		caw(LKB(l), r, FREEREC(RGEN(r)));
		if
		:: fate == FT_WROTE -> rv[x] = 0; SEEN(W_REAP_FREES)
		:: fate == FT_CHANGED -> rv[x] = 0
		:: else
		fi;
reap_out:
		busy[n] = 0; r = 0; val = 0; age = 0; fate = 0; l = 0; x = 0; unc = 0
	   }
#ifdef CONSUMER
	:: atomic { /* a write to the fencing consumer with the lock's generation */
		!hbusy[n] && !didop[n] && tnow < TMAX && ANYL(HOLDS, n) -> PICKL(HOLDS); didop[n] = 1;
		b = RGEN(mine[X(n, l)]);
		if
		:: b >= cmax[l] ->
			printf("t=%d n%d consumer %d accepts g%d\n", tnow, n, l, b);
			/* property 2: only a node suspended since its last executed
			 * renewal writes with an old generation */
			assert(susp[n] || b == granted[l]);
			cmax[l] = b
		:: else ->
			printf("t=%d n%d consumer %d refuses g%d < g%d\n", tnow, n, l, b, cmax[l]);
			SEEN(W_REFUSED);
			assert(susp[n])
		fi;
		b = 0; l = 0 }
#endif
	od
}

/* property 1 (and 2 with suspension): a holder's record is on the disk,
 * unless it has been suspended since its last executed renewal.  (Two
 * holders of one lock would need two records on one block.) */
#define OWNS(a, l)	(!HOLDS(a, l) || blk[LKB(l)] == mine[X(a, l)] || susp[a] != 0)
/* property 4 (as safety): a record naming a LIVE node's current
 * incarnation is held by it, or its acquire's CAW is in flight, or its
 * reaper has it: otherwise nobody would ever free it */
#define NAMES(a, l)	(st[a] == LIVE && ROWN(blk[LKB(l)]) == a + 1 && RINC(blk[LKB(l)]) == SINC(cur[a]))
#define ACCT(a, l)	(!NAMES(a, l) || held[X(a, l)] && !lost[X(a, l)] && mine[X(a, l)] == blk[LKB(l)] || \
	infl[X(a, l)] == blk[LKB(l)] || rv[X(a, l)] && rinc[X(a, l)] == RINC(blk[LKB(l)]))
#define STRANDED(a)	(NAMES(a, m) && !(held[X(a, m)] && !lost[X(a, m)] && mine[X(a, m)] == blk[LKB(m)]) && \
	infl[X(a, m)] != blk[LKB(m)])
#define SAFE1(a, l)	(OWNS(a, l) && ACCT(a, l))
#define SAFEN(a)	ALLL(SAFE1, a)
#define SAFE	ALLN(SAFEN)

proctype monitor()
{
end_mon:
	atomic { !SAFE ->
		printf("t=%d VIOLATION: record(s) %d %d\n", tnow, blk[NN], blk[NB - 1]);
		assert(false) }
}

/* urgency: a running node takes its reply, or gives up, before the next tick */
#define RUNS(x)	(st[QN(x)] != DOWN && frozen[QN(x)] == 0)
#define NURG(x)	!(qk[x] != K_FREE && qs[x] != Q_ORPH && RUNS(x) && (qs[x] == Q_DONE || qs[x] == Q_WAIT && qa[x] >= QT(x)))
/* ... and an idle running node renews when due (the renewal work runs
 * every interval; a late one is a pause), and runs its reaper when an
 * entry is due */
#define NRDUE(x)	!(st[x] != DOWN && frozen[x] == 0 && !hbusy[x] && HBMAY(x) && due[x] && (st[x] == LIVE || st[x] == FENCED) && \
	(haspend[x] || st[x] == FENCED && incn[x] < INCMAX || st[x] == LIVE && SCTR(cur[x]) < CTRMAX))
#define NREAP(x)	!(st[x] != DOWN && st[x] != ATTACH && frozen[x] == 0 && !busy[x] && !hbusy[x] && !didreap[x] && ANYL(RDUE1, x))
/* ... and a command of a running node is answered before the next tick,
 * but for LATES ticks in the run */
#define PENDW(x)	(qk[x] != K_FREE && qs[x] == Q_WAIT && RUNS(x))
#ifdef LIVENESS
/* ... and node 1 tries to take lock 0 at every tick */
#define WAITS	(st[1] == LIVE && !busy[1] && !hbusy[1] && !didop[1] && !held[X(1, 0)] && acqs[1] > 0)
#else
#define WAITS	false
#endif
#define TICK_OK	(ALLQ(NURG) && ALLN(NRDUE) && ALLN(NREAP) && !WAITS && (latenow || !ANYQ(PENDW)) && \
	!(freezenow && FREEZEOK(0)) && !(crashnow && CRASHOK(0)))

/* what the tick that starts holds: a late end, a freeze, a crash */
#define CHOOSE \
	if :: lates > 0 && tnow + 1 < TEND -> lates--; latenow = 1 :: skip fi; \
	if :: freezes > 0 && tnow < TMAX && FREEZEOK(0) -> freezes--; freezenow = 1 :: skip fi; \
	if :: crashes > 0 && tnow < TMAX && CRASHOK(0) -> crashes--; crashnow = 1 :: skip fi

/* one tick: each running clock advances by 1 (not a suspended node's,
 * nor once the one whose clock lags) */
inline tick(sk) {
	tnow++;
	n = 0;
	do
	:: n < NN ->
		if
		:: n == sk -> lag[n]++
		:: n != sk && frozen[n] != 2 && st[n] != DOWN ->
			if :: st[n] == LIVE && okage[n] < FENCE_AFTER -> okage[n]++ :: else fi;
			if :: rn[n] && rnage[n] < FENCE_AFTER -> rnage[n]++ :: else fi;
			if :: haspend[n] && pdage[n] < FENCE_AFTER -> pdage[n]++ :: else fi;
			if :: st[n] == ATTACH && atage[n] > 0 && atage[n] <= LEASE -> atage[n]++ :: else fi;
			m = 0;
			do
			:: m < NN ->
				if :: wok[W(n, m)] && ws[W(n, m)] < LEASE -> ws[W(n, m)]++ :: else fi;
				m++
			:: else -> break
			od;
			m = 0;
			do
			:: m < NL ->
				if :: rwait[X(n, m)] > 0 -> rwait[X(n, m)]-- :: else fi;
				m++
			:: else -> break
			od;
			if :: st[n] == LIVE || st[n] == FENCED -> due[n] = 1 :: else fi;
			didop[n] = 0; didreap[n] = 0;
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
		:: qk[j] != K_FREE && qa[j] >= LAND_MAX && qs[j] == Q_ORPH -> FREEQ(j)
		:: else
		fi;
		j++
	:: else -> break
	od;
#ifdef STRANDCHK
	/* property 4: the reaper frees a record nobody holds within its delay
	 * (with the fault budget used up by the timeout that left it) */
	m = 0;
	do
	:: m < NL ->
		if
		:: ANYN(STRANDED) -> strandage[m]++; assert(strandage[m] <= REAP_DELAY)
		:: else -> strandage[m] = 0
		fi;
		m++
	:: else -> break
	od;
#endif
#ifdef LIVENESS
	/* property 4: a waiter takes a lock whose owner is dead, fenced,
	 * frozen or rejoined within lease + interval of its last heartbeat */
	if
	:: blk[0] / 2 != slot0 -> slot0 = blk[0] / 2; deadage = 0
	:: else
	fi;
	if
	:: ROWN(blk[LKB(0)]) == 1 && (st[0] != LIVE || frozen[0] != 0 || RINC(blk[LKB(0)]) != SINC(cur[0])) ->
		deadage++; assert(deadage <= LEASE + 1 + DRIFT)
	:: else -> deadage = 0
	fi;
#endif
	n = 0; j = 0; m = 0
}

#define SANX(x) \
	:: atomic { qk[x] != K_FREE && qs[x] != Q_DONE && qa[x] < LAND_MAX -> \
		if :: qk[x] != K_READ -> printf("t=%d SAN executes CAW of n%d on block %d\n", tnow, QN(x), qb[x]) :: else fi; \
		execute(x) }


/* a crash: the node's memory is gone; its queued commands may still land */
inline crash() {
	st[n] = DOWN; palive[pk[n]] = 0; frozen[n] = 0; susp[n] = 0; busy[n] = 0; hbusy[n] = 0; didop[n] = 0; didreap[n] = 0;
	cur[n] = 0; pend[n] = 0; haspend[n] = 0; okage[n] = 0; rnage[n] = 0; rn[n] = 0; pdage[n] = 0;
	cure[n] = 0; pde[n] = 0; nxe[n] = 0; acqmoved[n] = 0; due[n] = 0; vsus[n] = 0; vtaken[n] = 0;
	j = 0;
	do
	:: j < NL ->
		m = X(n, j);
		held[m] = 0; lost[m] = 0; relfl[m] = 0; mine[m] = 0; infl[m] = 0; rv[m] = 0; rinc[m] = 0; rwait[m] = 0;
		j++
	:: else -> break
	od;
	j = 0;
	do
	:: j < NN -> wok[W(n, j)] = 0; wv[W(n, j)] = 0; ws[W(n, j)] = 0; j++
	:: else -> break
	od;
	j = 4 * n;
	do
	:: j < 4 * n + 4 ->
		if :: qs[j] == Q_DONE -> FREEQ(j) :: qk[j] != K_FREE && qs[j] != Q_DONE -> qs[j] = Q_ORPH :: else fi;
		j++
	:: else -> break
	od;
	printf("t=%d n%d crashes\n", tnow, n); n = 0; j = 0; m = 0
}

/* a node a with P(a): pick one */
#if NN == 2
#define PICKN(P)	if :: P(0) -> n = 0 :: P(1) -> n = 1 fi
#else
#define PICKN(P)	if :: P(0) -> n = 0 :: P(1) -> n = 1 :: P(2) -> n = 2 fi
#endif
#define LAGOK(a)	(lag[a] < DRIFT)
#define CRASHOK(a)	(st[a] != DOWN && CANFAIL(a))
#define RESTOK(a)	(st[a] == DOWN)
#define FREEZEOK(a)	(frozen[a] == 0 && st[a] != DOWN && CANFAIL(a))
#define RESUMEOK(a)	(frozen[a] != 0)

proctype env()
{
	byte n, sk, j, m;

	do
	:: atomic { tnow < TEND && TICK_OK ->
		if
		:: sk = NONE
		:: ANYN(LAGOK) -> PICKN(LAGOK); sk = n; n = 0
		fi;
		printf("t=%d tick\n", tnow + 1);
		d_step { tick(sk); sk = 0; latenow = 0; freezenow = 0; crashnow = 0 };
		CHOOSE }
	SANX(0)
	SANX(1)
	SANX(2)
	SANX(3)
	SANX(4)
	SANX(5)
	SANX(6)
	SANX(7)
#if NN == 3
	SANX(8)
	SANX(9)
	SANX(10)
	SANX(11)
#endif
	:: atomic { crashnow && CRASHOK(0) ->
		n = 0; crashnow = 0;
		crash() }
#if RESTARTS > 0
	:: atomic { restarts > 0 && tnow < TMAX && ANYN(RESTOK) ->
		PICKN(RESTOK);
		restarts--; st[n] = ATTACH; atage[n] = 0;
		pn[nextk] = n; palive[nextk] = 1; pk[n] = nextk;
		printf("t=%d n%d restarts, attaches\n", tnow, n);
		run hb(nextk); run user(nextk); nextk++; n = 0 }
#endif
	:: atomic { freezenow && FREEZEOK(0) ->
		n = 0; freezenow = 0;
#if defined(SUSPEND) || defined(MIXFREEZE)
		if
		:: frozen[n] = 2; susp[n] = 1; vsus[n] = 1; printf("t=%d n%d suspended (clock stopped)\n", tnow, n)
#ifdef MIXFREEZE
		:: frozen[n] = 1; printf("t=%d n%d paused (clock runs)\n", tnow, n)
#endif
		fi;
#else
		frozen[n] = 1; printf("t=%d n%d paused (clock runs)\n", tnow, n);
#endif
		n = 0 }
	:: atomic { ANYN(RESUMEOK) ->
		PICKN(RESUMEOK);
		frozen[n] = 0; printf("t=%d n%d resumes\n", tnow, n); n = 0 }
	:: timeout ->
		/* property 6: nothing can move before the end of the run */
		printf("t=%d end\n", tnow);
		assert(tnow >= TEND);
		break
	od
}

init {
	byte i;
	atomic {
		c_code {
			char *e = getenv("BLKLOCK_MUT"), *w = getenv("BLKLOCK_WITNESS");

			now.mut = e ? atoi(e) : 0;
			now.wit = w ? atoi(w) : 0;
		};
		i = 0;
		do
		:: i < NN ->
			blk[i] = SL(1, 0, 0); cur[i] = SL(1, 0, 0); st[i] = LIVE; cure[i] = 1; incn[i] = 1;
			acqs[i] = (i == 0 -> ACQS : ACQS1); rels[i] = (i == 0 -> RELS : RELS1); vals[i] = VALS;
			i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < NL -> blk[LKB(i)] = FREEREC(0); i++
		:: else -> break
		od;
#ifdef LIVENESS
		acqs[1] = TMAX + 1; slot0 = blk[0] / 2;
#endif
		CHOOSE;
		i = 0;
		do
		:: i < NN -> pn[i] = i; palive[i] = 1; pk[i] = i; run hb(i); run user(i); i++
		:: else -> break
		od;
		run env(); run monitor()
	}
}
