#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP relay on loopback: the iSCSI path of one cluster node.

    iscsi-relay.py LISTEN_PORT TARGET_PORT

Listens on 127.0.0.1:LISTEN_PORT and relays every connection to
127.0.0.1:TARGET_PORT.  SIGUSR1 cuts the path: every relayed connection
is reset and new ones are refused (the listening socket closes), as a
failed switch port would.  SIGUSR2 restores it.  SIGTERM ends it.
"""
import selectors
import signal
import socket
import struct
import sys

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
peers = {}          # socket -> its partner
listener = None
want_cut = want_restore = False


def open_listener():
    global listener
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(8)
    sel.register(listener, selectors.EVENT_READ)


def drop(s):
    p = peers.pop(s, None)
    for x in (s, p):
        if x is None or x.fileno() < 0:
            continue
        peers.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        # RST, not FIN: the peer sees the path fail, not a clean close.
        x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        x.close()


def cut():
    global listener
    for s in list(peers):
        drop(s)
    if listener is not None:
        sel.unregister(listener)
        listener.close()
        listener = None


def on_usr1(*_):
    global want_cut
    want_cut = True


def on_usr2(*_):
    global want_restore
    want_restore = True


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGUSR2, on_usr2)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
open_listener()
print(f"relaying 127.0.0.1:{listen_port} -> 127.0.0.1:{target_port}", flush=True)
while True:
    if want_cut:
        want_cut = False
        cut()
        print("path cut", flush=True)
    if want_restore:
        want_restore = False
        if listener is None:
            open_listener()
        print("path restored", flush=True)
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
            for x in (c, t):
                x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(x, selectors.EVENT_READ)
            peers[c], peers[t] = t, c
            continue
        if s not in peers:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            drop(s)
            continue
        try:
            peers[s].sendall(data)
        except OSError:
            drop(s)
