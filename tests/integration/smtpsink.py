#!/usr/bin/python3
"""smtpsink.py — a throwaway SMTP server for the ticketd tests and demo.

Every accepted message is stored byte-exact (envelope.original_content, as
the client sent it after dot-unstuffing) in DIR/NNNN.eml, with the envelope
in DIR/NNNN.json (mail_from, rcpt_tos, tls, auth_user, and time: when it was
stored, just before the 250 reply). The .json is written last, so a message
is complete once its .json exists.

A slow server: when DIR/delay holds a number, every DATA waits that many
seconds before the message is stored and answered (read at each message,
so a test can change it while the sink runs).

DIR/wire.log gets every byte the clients sent before and after STARTTLS
(decrypted), so a test can prove a password never crossed the wire.
DIR/auth.log gets one JSON line per AUTH attempt.

--spool (for make bench's notice delivery) stores every message by one
append to DIR/spool instead: a JSON line (the envelope as above, plus
"len"), then the message's bytes and a newline; no wire.log, no delay
file. The file pair per message costs the sink more than the client:
ticketd sent a backlog's notices at 392/s to the file pairs and 718/s
to a sink that stored nothing.

Options: --tls-cert/--tls-key offer STARTTLS; --require-starttls refuses
mail before it; --auth-user/--auth-password require AUTH (only after TLS
unless --auth-clear); --reply "451 4.3.0 text" answers DATA with that
instead of 250. Prints "READY <port>" on stdout once listening. Runs only
on loopback addresses.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult


class Store:
    def __init__(self, path, reply, spool=False):
        self.path = path
        self.reply = reply
        self.spool = open(os.path.join(path, "spool"), "ab") if spool \
            else None
        # continue the numbering when restarted on the same directory
        self.seq = max([int(n[:4]) for n in os.listdir(path)
                        if n[:4].isdigit() and n.endswith(".eml")] or [0])

    def delay(self):
        try:
            with open(os.path.join(self.path, "delay")) as f:
                return float(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.spool is not None:
            return self.spool_one(envelope)
        d = self.delay()
        if d > 0:
            await asyncio.sleep(d)
        if self.reply:
            return self.reply
        self.seq += 1
        base = os.path.join(self.path, "%04d" % self.seq)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or b"")
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None,
            "auth_user": (session.login_data.decode("utf-8", "replace")
                if isinstance(session.login_data, bytes)
                else session.login_data),
            "time": time.time(),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 OK stored %04d" % self.seq


    def spool_one(self, envelope):
        data = envelope.original_content or b""
        self.seq += 1
        head = json.dumps({"mail_from": envelope.mail_from,
                           "rcpt_tos": list(envelope.rcpt_tos),
                           "time": time.time(), "len": len(data)})
        self.spool.write(head.encode() + b"\n" + data + b"\n")
        self.spool.flush()
        return "250 2.0.0 OK stored %04d" % self.seq


def auth_login(session):
    login = getattr(session.auth_data, "login", None)
    if isinstance(login, bytes):
        return login.decode("utf-8", "replace")
    return login


class LoggingSMTP(SMTP):
    wire = None

    def data_received(self, data):
        if self.wire is not None:
            self.wire.write(data)
            self.wire.flush()
        super().data_received(data)


def make_authenticator(user, password, logpath):
    def authenticator(server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        pw = getattr(auth_data, "password", b"") or b""
        ok = (login.decode("utf-8", "replace") == user and
            pw.decode("utf-8", "replace") == password)
        with open(logpath, "a") as f:
            f.write(json.dumps({
                "mechanism": mechanism,
                "login": login.decode("utf-8", "replace"),
                "password": pw.decode("utf-8", "replace"),
                "tls": session.ssl is not None,
                "ok": ok}) + "\n")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return authenticator


async def main(args):
    os.makedirs(args.dir, exist_ok=True)
    store = Store(args.dir, args.reply, args.spool)
    wire = None if args.spool else open(os.path.join(args.dir, "wire.log"),
                                        "ab")
    LoggingSMTP.wire = wire

    kw = {"hostname": "sink.test", "ident": "ticketd-test-sink"}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kw["tls_context"] = ctx
        kw["require_starttls"] = args.require_starttls
    if args.auth_user:
        kw["authenticator"] = make_authenticator(args.auth_user,
            args.auth_password or "", os.path.join(args.dir, "auth.log"))
        kw["auth_required"] = True
        kw["auth_require_tls"] = not args.auth_clear

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: LoggingSMTP(store, **kw), args.host, args.port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()
    if wire is not None:
        wire.close()
    if store.spool is not None:
        store.spool.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    p.add_argument("--auth-clear", action="store_true",
        help="offer AUTH before STARTTLS too (to catch clear-text AUTH)")
    p.add_argument("--reply", help='answer DATA with e.g. "451 4.3.0 later"')
    p.add_argument("--spool", action="store_true",
        help="one append to DIR/spool per message (make bench)")
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("smtpsink: loopback addresses only")
    asyncio.run(main(a))
