"""Hostile mail and a hostile crowd at the page (issue 12, points 5 and 6),
end to end through ticketd: what test_trust.py and test_desk_limits.py
already prove (forged Authentication-Results below or above ours, Sender
and Reply-To are no identity, 200 mails from one robot) is not repeated.

Mail: header injection through the subject and the sender's name into our
notices (CR/LF, encoded and raw); addresses with quoted local parts,
comments, and international domain names; a display name that looks like
an admin's address; a command mail from an admin who was demoted; a Cc of
10,000 addresses; forwards nested past the MIME depth and a mail of 10,000
parts; 10,000 mails from one sender in an hour while others keep being
served.

Page: 1,000 connections at once and slowloris clients (one byte at a time,
headers never finished) do not stop the mail loop, and the page still
answers a client from elsewhere; SQL and FTS injection in every parameter
of the ticket list comes back refused or as plain words."""

import base64
import email.utils
import http.client
import os
import re
import socket
import threading
import time
import urllib.parse

from harness import (LOOPBACK, DeskTest, make_mail, parse_mail, port_open,
                     rfc2047, wait_until, web_desk_key)

ADMINS = {"root_admins": "root@corp.example", "admins": "bob@corp.example"}


def header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0]


class HostileMail(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS, allow_domains="corp.example, "
                             "xn--bcher-kva.example, bücher.example")})

    def notices_ok(self):
        """Every notice written has exactly the headers we write, CRLF
        line ends, nothing injected; returns them parsed."""
        out = []
        for r in self.desk.outbox():
            raw = r["message"]
            hdr = header_block(raw)
            self.assertNotIn(b"\r\r", raw)
            self.assertIsNone(re.search(rb"[^\r]\n", hdr), "a bare LF")
            self.assertIsNone(re.search(rb"\r[^\n]", hdr), "a bare CR")
            names = [l.split(b":", 1)[0].lower() for l in hdr.split(b"\r\n")
                     if l and l[:1] not in (b" ", b"\t")]
            for bad in (b"bcc", b"cc", b"x-injected", b"content-type:"):
                self.assertNotIn(bad, names[1:] if bad == b"cc" else names)
            for once in (b"subject", b"to", b"from", b"message-id",
                         b"reply-to"):
                self.assertLessEqual(names.count(once), 1, once)
            m = parse_mail(raw)
            to = str(m["To"])
            self.assertIn(r["rcpt_to"], to)
            self.assertEqual(len(email.utils.getaddresses([to])), 1)
            out.append((r, m))
        for env, raw in self.sink.messages():
            for a in env["rcpt_tos"]:
                self.assertNotIn("evil", a)
        return out

    def test_header_injection_subject_and_name(self):
        inj = "Printer\r\nBcc: evil@attacker.example\r\nX-Injected: yes"
        self.desk.stdin(make_mail(
            subject=rfc2047(inj),
            name=rfc2047("Alice\r\nBcc: evil@attacker.example"),
            body="It jams.\n"), check=0)
        # raw bytes: a bare CR and a bare LF inside the header lines
        raw = (b"From: =?UTF-8?Q?Erin=0D=0ABcc=3A_evil=40attacker.example?= "
               b"<erin@corp.example>\r\n"
               b"To: it@corp.example\r\n"
               b"Subject: Mouse\rBcc: evil@attacker.example\r\n"
               b"Message-ID: <inj-2@corp.example>\r\n"
               b"Date: Mon, 3 Mar 2025 09:00:00 +0000\r\n\r\nbroken\r\n")
        self.desk.stdin(raw, check=0)
        raw = (b"From: Dana <dana@corp.example>\r\n"
               b"To: it@corp.example\r\n"
               b"Subject: Screen\nBcc: evil@attacker.example\r\n"
               b"Message-ID: <inj-3@corp.example>\r\n\r\nflickers\r\n")
        self.desk.stdin(raw, check=0)
        self.assertEqual(self.desk.ticket_count(), 3)
        notes = self.notices_ok()
        self.assertGreaterEqual(len(notes), 6)
        for r, m in notes:
            self.assertEqual(r["status"], "sent")
        # the subject is kept as text, with its line breaks made harmless
        subj = self.desk.scalar("SELECT subject FROM tickets WHERE "
                                "number = 1")
        self.assertNotIn("\r", subj)
        self.assertNotIn("\n", subj)
        # and the comment relayed to the requester: a name with CR/LF
        self.desk.stdin(make_mail(
            subject="Re: [IT #1] Printer", sender="bob@corp.example",
            name=rfc2047("Bob\r\nBcc: evil@attacker.example"),
            body="Looking at it.\n"), check=0)
        self.notices_ok()

    def test_odd_addresses(self):
        # (From as written, the requester it makes, or None: no ticket)
        cases = [
            ('"john doe"@corp.example', None),
            # a quoted local part holding someone else's address: it was
            # taken for "j@x" (and "bob@corp.example" for bob, an admin)
            ('"j@x"@corp.example', None),
            ('"bob@corp.example"@evil.example', None),
            ("alice@corp.example (Alice in comments)", "alice@corp.example"),
            ("Carl (the admin) <carl@corp.example>", "carl@corp.example"),
            ("=?UTF-8?B?%s?= <user@xn--bcher-kva.example>"
             % base64.b64encode("Jürgen".encode()).decode(),
             "user@xn--bcher-kva.example"),
            ("Jürgen <jurgen@bücher.example>", "jurgen@bücher.example"),
            # an obs-route was kept as part of the address
            ("<@relay.example:dave@corp.example>", "dave@corp.example"),
            ("Eve <eve@[192.0.2.1]>", None),
            ("no-at-sign", None),
        ]
        for i, (frm, _) in enumerate(cases):
            raw = ("From: %s\r\nTo: it@corp.example\r\n"
                   "Subject: Re: [IT #1] Odd %d\r\n"
                   "Message-ID: <odd-%d@corp.example>\r\nDate: %s\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: text/plain; "
                   "charset=utf-8\r\n\r\n/resolve done\r\n"
                   % (frm, i, i, email.utils.formatdate())).encode()
            r = self.desk.stdin(raw)
            self.assertEqual(r.rc, 0, frm)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM mails"),
                         len(cases))
        got = {t["requester"] for t in self.desk.tickets()}
        self.assertEqual(got, {a for _, a in cases if a is not None})
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM people WHERE email IN ('j@x', "
            "'@relay.example:dave@corp.example') OR email LIKE '%\"%'"), 0)
        # nothing was resolved by anyone
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM tickets WHERE status = 'resolved'"), 0)
        notes = self.notices_ok()
        acks = {r["rcpt_to"] for r, _ in notes if r["kind"] == "ack"}
        # an address in UTF-8 (RFC 6531) gets no notice (ticketd(8)
        # CAVEATS); its ASCII form does
        self.assertEqual(acks, {a for _, a in cases if a is not None
                                and a.isascii()})
        for r, _ in notes:
            self.assertEqual(r["status"], "sent")

    def test_display_name_looks_like_an_admin(self):
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)
        for frm in ('"bob@corp.example" <mallory@corp.example>',
                    "bob@corp.example <mallory@corp.example>",
                    "=?UTF-8?Q?bob=40corp.example?= <mallory@corp.example>"):
            raw = ("From: %s\r\nTo: it@corp.example\r\n"
                   "Subject: Re: [IT #1] Printer jams\r\n"
                   "Message-ID: <%s@corp.example>\r\n\r\n/resolve fixed\r\n"
                   % (frm, os.urandom(4).hex())).encode()
            self.desk.stdin(raw, check=0)
        self.assertEqual(self.desk.scalar("SELECT status FROM tickets WHERE "
                                          "number = 1"), "assigned")
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM people WHERE email = 'mallory@corp.example'"
            " AND role = 'user'"), 1)

    def test_command_from_a_demoted_admin(self):
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)
        self.assertEqual(self.desk.scalar("SELECT status FROM tickets"),
                         "assigned")
        # the root admin takes bob's role away by mail
        self.desk.stdin(make_mail(subject="control", sender="root@corp.example",
                                  name=None, body="role bob@corp.example "
                                  "user\n"), check=0)
        self.assertEqual(self.desk.scalar(
            "SELECT role FROM people WHERE email = 'bob@corp.example'"), "user")
        self.desk.stdin(make_mail(subject="Re: [IT #1] Printer jams",
                                  sender="bob@corp.example", name="Bob",
                                  body="/resolve done\n"), check=0)
        self.assertEqual(self.desk.scalar("SELECT status FROM tickets"),
                         "assigned")
        # and after a restart the configuration does not give it back
        self.desk.stdin(make_mail(subject="Re: [IT #1] Printer jams",
                                  sender="bob@corp.example", name="Bob",
                                  body="/resolve done\n"), check=0)
        self.assertEqual(self.desk.scalar("SELECT status FROM tickets"),
                         "assigned")
        # blocked by ticketctl: not even a ticket
        self.desk.ctl("user", "role", "bob@corp.example", "blocked")
        self.desk.stdin(make_mail(subject="Another", sender="bob@corp.example",
                                  name="Bob"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_ten_thousand_cc(self):
        cc = ", ".join("u%05d@corp.example" % i for i in range(10000))
        raw = make_mail(subject="Everyone", headers=("Cc: %s" % cc,))
        t0 = time.monotonic()
        r = self.desk.stdin(raw, timeout=120)
        took = time.monotonic() - t0
        print("# 10,000 Cc: %.1fs" % took)
        self.assertEqual(r.rc, 0)
        self.assertLess(took, 60)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM mails"), 1)
        # nobody gets mass mail from the desk
        self.assertLessEqual(self.desk.scalar(
            "SELECT count(*) FROM participants"), 101 + 1)
        self.assertLessEqual(len(self.desk.outbox()), 105)
        self.notices_ok()

    def test_nested_forward_bomb(self):
        # 150 forwards, each the whole previous mail as message/rfc822,
        # and 10,000 empty parts: a small mail that is a lot of parsing
        inner = make_mail(subject="The original", body="help\n")
        for i in range(150):
            b = "fwd%d" % i
            inner = ("From: Alice <alice@corp.example>\r\n"
                     "To: it@corp.example\r\nSubject: Fwd: level %d\r\n"
                     "Message-ID: <nest-%d-%s@corp.example>\r\n"
                     "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                     "boundary=%s\r\n\r\n--%s\r\nContent-Type: text/plain"
                     "\r\n\r\nsee below\r\n--%s\r\nContent-Type: "
                     "message/rfc822\r\n\r\n" % (i, i, os.urandom(3).hex(),
                                                b, b, b)).encode() + \
                inner + ("\r\n--%s--\r\n" % b).encode()
        parts = "".join("--p\r\nContent-Type: text/plain\r\n\r\n.\r\n"
                        for _ in range(10000))
        wide = ("From: Alice <alice@corp.example>\r\nTo: it@corp.example\r\n"
                "Subject: Many parts\r\nMessage-ID: <wide@corp.example>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                "boundary=p\r\n\r\n" + parts + "--p--\r\n").encode()
        for raw in (inner, wide):
            t0 = time.monotonic()
            r = self.desk.stdin(raw, timeout=120)
            took = time.monotonic() - t0
            print("# %d bytes in %.1fs" % (len(raw), took))
            self.assertEqual(r.rc, 0)
            self.assertLess(took, 30)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM mails"), 2)
        for m in self.desk.mails():
            if m["disposition"] == "failed":
                self.assertTrue(m["note"])
        self.notices_ok()


class Flood(DeskTest):
    """10,000 mails from one sender within the hour, 20 from others among
    them: the rate limit holds (30 tickets, 10 notices to the sender, the
    rest held for a root admin), and the others are all served."""

    def test_ten_thousand_from_one_sender(self):
        n = int(os.environ.get("TICKETD_FLOOD_MAILS") or 10000)
        t_setup = time.monotonic()
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink, conf={
            "imap": {"poll_interval": "60"},
            "helpdesk": dict(ADMINS)})
        others = []
        for i in range(n):
            if i % (n // 20) == n // 40:
                raw = make_mail(subject="Real problem %d" % i,
                                sender="person%d@corp.example" % i)
                others.append("person%d@corp.example" % i)
            else:
                raw = make_mail(subject="Spam %d" % i,
                                sender="robot@corp.example", name="Robot")
            dove.deliver_raw(raw)
        print("# set up in %.1fs" % (time.monotonic() - t_setup))
        desk.start()
        t0 = time.monotonic()
        # the others are served while the flood is being taken in
        wait_until(lambda: all(desk.scalar(
            "SELECT count(*) FROM tickets t JOIN people p ON p.id = "
            "t.requester_id WHERE p.email = ?", (o,)) == 1 for o in others),
            600, interval=1, what="the others' tickets")
        wait_until(lambda: dove.count("INBOX") == 0, 600, interval=1,
                   what="the flood taken in")
        took = time.monotonic() - t0
        print("# %d mails taken in %.1fs (%.0f/s)" % (n, took, n / took))
        wait_until(lambda: desk.scalar("SELECT count(*) FROM outbox WHERE "
                                       "status = 'pending'") == 0, 120,
                   what="the notices")
        print("# notices out after %.1fs" % (time.monotonic() - t0))
        self.assertEqual(desk.stop(), 0)
        print("# stopped after %.1fs" % (time.monotonic() - t0))
        robot = desk.scalar("SELECT count(*) FROM tickets t JOIN people p ON "
                            "p.id = t.requester_id WHERE p.email = "
                            "'robot@corp.example'")
        self.assertEqual(robot, 30)
        self.assertEqual(desk.scalar("SELECT count(*) FROM access_requests "
                                     "WHERE kind = 'flood'"),
                         n - len(others) - 30)
        sent = [env["rcpt_tos"][0] for env, _ in sink.messages()]
        self.assertLessEqual(sent.count("robot@corp.example"), 10)
        for o in others:
            self.assertEqual(sent.count(o), 1, o)
        self.assertEqual(desk.scalar("SELECT count(*) FROM mails"), n)
        self.assertEqual(dove.count("Processed"), n)


class WebSiege(DeskTest):
    """The page under a crowd: the mail loop goes on, the page answers."""

    def setUp(self):
        super().setUp()
        self.dove = self.start_dovecot()
        self.sink = self.start_sink()
        self.desk = self.make_desk(self.dove, self.sink, conf={
            "imap": {"poll_interval": "60"}, "helpdesk": dict(ADMINS)})
        self.desk.start()
        wait_until(lambda: port_open(self.desk.web_port), 20,
                   what="the page")

    def get(self, path, src=None, timeout=10):
        s = socket.create_connection((LOOPBACK, self.desk.web_port),
                                     timeout=timeout,
                                     source_address=(src, 0) if src else None)
        try:
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close"
                       "\r\n\r\n" % path).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return int(data.split(b" ", 2)[1]), data
        finally:
            s.close()

    def web_sockets(self):
        """How many client connections the daemon's page holds now: the
        daemon's own sockets (its /proc fds) that are established TCP
        connections on the page's port. Counting only those, not every
        socket of the daemon, keeps the IMAP and SMTP connections (which
        come and go) out of the count."""
        pid = self.desk.daemon.pid
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        port = "%04X" % self.desk.web_port
        n = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    next(f)
                    for line in f:
                        fields = line.split()
                        # local address, state 01 = ESTABLISHED, inode
                        if (fields[1].endswith(":" + port) and
                                fields[3] == "01" and fields[9] in inodes):
                            n += 1
            except OSError:
                pass
        return n

    def test_thousand_connections_and_slowloris(self):
        """1,000 slow clients at once, each from an address of its own (so
        the limit of 32 a address does not turn them away): the page holds
        them all at the same time, the mail goes on, a newcomer is served,
        and everyone once they are gone."""
        held, stop = [], threading.Event()

        def slowloris(k, count):
            socks = []
            for j in range(count):
                try:
                    s = socket.create_connection(
                        (LOOPBACK, self.desk.web_port), timeout=5,
                        source_address=("127.1.%d.%d" % (k, j + 1), 0))
                    s.setblocking(False)
                    socks.append(s)
                except OSError:
                    break
            held.extend(socks)
            line = b"GET / HTTP/1.1\r\nHost: x\r\nX-a: "
            i = 0
            while not stop.is_set():
                for s in socks:
                    try:
                        s.send(line[i:i + 1] if i < len(line) else b"a")
                    except OSError:
                        pass
                i += 1
                stop.wait(0.5)

        threads = [threading.Thread(target=slowloris, args=(k, 50))
                   for k in range(20)]
        for t in threads:
            t.start()
        self.addCleanup(lambda: [s.close() for s in held])
        self.addCleanup(lambda: [t.join() for t in threads])
        self.addCleanup(stop.set)
        wait_until(lambda: len(held) >= 1000, 60, what="the crowd")
        # the page really holds them, all at once (it held 128 before)
        # (slow to reach under ASan on a loaded machine: a long wait)
        try:
            wait_until(lambda: self.web_sockets() >= 1000, 90,
                       what="the page to hold 1,000 connections")
        except AssertionError:
            with open("/proc/%d/limits" % self.desk.daemon.pid) as f:
                limits = [ln for ln in f if "open files" in ln]
            print("# held by the page: %d of %d clients; %s"
                  % (self.web_sockets(), len(held), limits))
            raise
        print("# %d connections open, %d sockets in the daemon"
              % (len(held), self.web_sockets()))
        # the mail loop is not stopped by the crowd
        t0 = time.monotonic()
        self.dove.append(make_mail(subject="During the siege"))
        wait_until(lambda: self.desk.ticket_count() == 1, 20,
                   what="the ticket during the siege")
        wait_until(lambda: self.sink.count() == 2, 20, what="its notices")
        print("# mail in and out in %.1fs during the siege"
              % (time.monotonic() - t0))
        # a client from elsewhere is served
        st, _ = self.get("/healthz", src="127.0.0.200", timeout=15)
        self.assertEqual(st, 200)
        stop.set()
        for s in held:
            s.close()
        for t in threads:
            t.join()
        # and everyone once the crowd is gone
        wait_until(lambda: self.get("/healthz")[0] == 200, 40,
                   what="the page after the siege")
        self.assertIsNone(self.desk.daemon.poll())
        self.assertEqual(self.desk.stop(), 0)

    def test_one_address_gets_32(self):
        """100 slow clients from one address: 32 are held, the others
        turned away, and another address is served meanwhile; silent
        ones are dropped after 15 s."""
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        base = self.web_sockets()
        for _ in range(100):
            socks.append(socket.create_connection(
                (LOOPBACK, self.desk.web_port), timeout=5,
                source_address=("127.0.0.50", 0)))
            socks[-1].sendall(b"G")
        t0 = time.monotonic()
        # The kernel completes every handshake at once; the page then
        # accepts each connection and closes those over the limit, so
        # for a moment (longer under ASan on a loaded runner) a turned-
        # away connection is still open. What is held once that settles
        # is exactly the limit, and it stays so.
        wait_until(lambda: self.web_sockets() - base == 32, 20,
                   what="the page to hold exactly 32 of 100 connections")
        time.sleep(1.0)
        self.assertEqual(self.web_sockets() - base, 32)
        self.assertEqual(self.get("/healthz", src="127.0.0.51")[0], 200)
        # silent since: the page drops them after 15 s idle, and the
        # address is served again
        wait_until(lambda: self.web_sockets() - base <= 0, 40,
                   what="the idle connections to be dropped")
        took = time.monotonic() - t0
        print("# idle connections dropped after %.1fs" % took)
        self.assertGreater(took, 10)
        self.assertEqual(self.get("/healthz", src="127.0.0.50")[0], 200)
        self.assertEqual(self.desk.stop(), 0)

    def test_injection_in_every_parameter(self):
        self.dove.append(make_mail(subject="Printer jams on floor 3"))
        wait_until(lambda: self.desk.ticket_count() == 1, 20, what="ticket")
        k = web_desk_key(os.path.join(self.tmp, "web.secret"),
                         int(time.time()) + 3600)
        before = self.desk.scalar("SELECT count(*) FROM tickets")
        payloads = ["' OR 1=1 --", "1; DROP TABLE tickets; --",
                    "\" OR \"\"=\"", "x' UNION SELECT message FROM outbox --",
                    "printer OR *", "NEAR(a b)", "subject:printer",
                    "'); DELETE FROM tickets; --", "%27%20OR%201=1",
                    "<script>alert(1)</script>", "../../etc/passwd",
                    "\x00", "1e999", "-1", "0x10"]
        params = ("q", "status", "priority", "category", "admin", "page",
                  "k")
        for p in payloads:
            for name in params:
                q = {"k": k}
                q[name] = p
                path = "/tickets?" + urllib.parse.urlencode(q)
                st, body = self.get(path)
                self.assertIn(st, (200, 400, 403, 404), path)
                self.assertNotIn(b"<script>alert", body)
                self.assertNotIn(b"SQL", body.upper().replace(b"NOSQL", b""))
                for api in ("/api/tickets.json?", "/t/1?", "/kb?"):
                    st, body = self.get(api + urllib.parse.urlencode(q))
                    self.assertLess(st, 500, api + name)
                    self.assertNotIn(b"<script>alert", body)
        # FTS syntax is words, not operators: a search for it finds nothing
        st, body = self.get("/tickets?" + urllib.parse.urlencode(
            {"k": k, "q": "printer OR *"}))
        self.assertEqual(st, 200)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM tickets"),
                         before)
        self.assertEqual(self.desk.scalar("PRAGMA integrity_check"), "ok")
        self.assertEqual(self.desk.stop(), 0)
