#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP relay on loopback: the iSCSI path of one cluster node.

    iscsi-relay.py LISTEN_PORT TARGET_PORT [CONTROL_FIFO]

Listens on 127.0.0.1:LISTEN_PORT and relays every connection to
127.0.0.1:TARGET_PORT.  SIGUSR1 cuts the path: every relayed connection
is reset and new ones are refused (the listening socket closes), as a
failed switch port would.  SIGUSR2 restores it.  SIGTERM ends it.

With CONTROL_FIFO (created if missing), lines written to it drive late
I/O: traffic that is held, not lost, and delivered later.

  hold up     hold the bytes the initiator sends on every connection
              open now (commands, task management, NOP-Outs): they are
              read and queued, nothing is forwarded
  hold down   the same for the bytes the target sends (responses): the
              commands run on time, the initiator learns nothing
  hold both   both directions
  release     deliver what was held, in order, connection by connection
              in the order they were opened, one received chunk at a
              time with DELIVER_GAP seconds between chunks (a command
              and an ABORT TASK sent for it later would arrive as
              separate chunks, so the target runs the command before it
              reads the abort), an end of stream last; then relay as
              before

Connections opened during a hold (an initiator that gave up and logs in
again) are relayed at once and not held: what the old connection holds
then lands after what the new one carried, as a late command on a
multipath or a slow network does.  Every held and delivered chunk is
logged (for bytes from the initiator, the iSCSI opcode and the first
CDB byte read at the chunk's start: right when the chunk starts a PDU,
meaningless for a chunk that continues one, such as a command's data).
"""
import os
import selectors
import signal
import socket
import struct
import sys
import time

DELIVER_GAP = 0.3
listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
control = sys.argv[3] if len(sys.argv) > 3 else None
sel = selectors.DefaultSelector()
peers = {}          # socket -> its partner
initiator = set()   # the initiator side of every relayed connection
held = {}           # source socket -> list of chunks (b"" = end of stream)
holding = set()     # sources whose bytes are held now
order = []          # sources with held bytes, oldest connection first
conn_no = {}        # socket -> number of its connection, for the log
listener = None
want_cut = want_restore = False
t_start = time.monotonic()


def log(msg):
    print(f"{time.monotonic() - t_start:9.3f} {msg}", flush=True)


def describe(src, data):
    side = "i->t" if src in initiator else "t->i"
    what = ""
    if data and src in initiator and len(data) >= 48:
        op = data[0] & 0x3F
        what = f" op 0x{op:02x}"
        if op == 0x01:
            what += f" cdb 0x{data[32]:02x}"
    return f"conn {conn_no.get(src, '?')} {side} {len(data)} bytes{what}"


def open_listener():
    global listener
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(8)
    sel.register(listener, selectors.EVENT_READ)


def close_one(x, reset):
    peers.pop(x, None)
    initiator.discard(x)
    holding.discard(x)
    held.pop(x, None)
    if x.fileno() < 0:
        return
    try:
        sel.unregister(x)
    except (KeyError, ValueError):
        pass
    if reset:
        # RST, not FIN: the peer sees the path fail, not a clean close.
        x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    x.close()


def drop(s):
    p = peers.get(s)
    for x in (s, p):
        if x is not None:
            close_one(x, True)


def cut():
    global listener
    for s in list(peers):
        drop(s)
    if listener is not None:
        sel.unregister(listener)
        listener.close()
        listener = None


def hold(how):
    n = 0
    for s in list(peers):
        if (how in ("up", "both") and s in initiator) or \
           (how in ("down", "both") and s not in initiator):
            holding.add(s)
            held.setdefault(s, [])
            if s not in order:
                order.append(s)
            n += 1
    log(f"hold {how}: {n} stream(s) held")


def release():
    """Deliver what was held; a stream whose partner is gone is dropped."""
    holding.clear()
    for s in list(order):
        chunks = held.pop(s, [])
        p = peers.get(s)
        for i, data in enumerate(chunks):
            if p is None or p.fileno() < 0:
                log(f"release: {describe(s, data)}: the other side is gone, dropped")
                continue
            if i:
                time.sleep(DELIVER_GAP)
            if not data:
                log(f"release: conn {conn_no.get(s, '?')}: end of stream delivered")
                try:
                    p.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            try:
                p.sendall(data)
                log(f"release: delivered {describe(s, data)}")
            except OSError as e:
                log(f"release: {describe(s, data)}: {e}")
                break
    order.clear()
    log("released")


def on_usr1(*_):
    global want_cut
    want_cut = True


def on_usr2(*_):
    global want_restore
    want_restore = True


def on_control(line):
    words = line.split()
    if len(words) == 2 and words[0] == "hold" and words[1] in ("up", "down", "both"):
        hold(words[1])
    elif words == ["release"]:
        release()
    elif words:
        log(f"control: unknown command {line!r}")


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGUSR2, on_usr2)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
open_listener()
ctl = None
ctl_buf = b""
if control:
    if not os.path.exists(control):
        os.mkfifo(control)
    # Opened read-write: never an end of file when a writer goes away.
    ctl = os.open(control, os.O_RDWR | os.O_NONBLOCK)
    sel.register(ctl, selectors.EVENT_READ)
log(f"relaying 127.0.0.1:{listen_port} -> 127.0.0.1:{target_port}"
    + (f", control {control}" if control else ""))
nconn = 0
while True:
    if want_cut:
        want_cut = False
        cut()
        log("path cut")
    if want_restore:
        want_restore = False
        if listener is None:
            open_listener()
        log("path restored")
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        if s is listener:
            c, _ = listener.accept()
            t = socket.socket()
            try:
                t.connect(("127.0.0.1", target_port))
            except OSError:
                c.close()
                continue
            nconn += 1
            for x in (c, t):
                x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(x, selectors.EVENT_READ)
                conn_no[x] = nconn
            peers[c], peers[t] = t, c
            initiator.add(c)
            log(f"conn {nconn} opened")
            continue
        if s == ctl:
            try:
                ctl_buf += os.read(ctl, 4096)
            except BlockingIOError:
                continue
            while b"\n" in ctl_buf:
                line, ctl_buf = ctl_buf.split(b"\n", 1)
                on_control(line.decode(errors="replace").strip())
            continue
        if s not in peers:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if s in holding:
            held[s].append(data)
            log(f"held {describe(s, data)}" if data else
                f"held: conn {conn_no.get(s, '?')} end of stream")
            if not data:
                # Nothing more comes from it; keep its partner open so
                # the held bytes can still be delivered.
                sel.unregister(s)
                holding.discard(s)
            continue
        if not data:
            log(f"conn {conn_no.get(s, '?')} closed by the "
                + ("initiator" if s in initiator else "target"))
            drop(s)
            continue
        try:
            peers[s].sendall(data)
        except OSError:
            drop(s)
