"""The read-only status page (issue 10): every route over HTTP against a
running ticketd, every refusal (keys, methods, parameters, paths, sizes),
escaping of hostile subjects, bodies and file names, attachments served
safely, nothing written through the page, and a real browser (headless
Chromium) that loads the dashboard and a ticket page and takes screenshots.

The tickets are made the way mail makes them (ticketd --stdin); the keys
are computed here with Python's hmac, independently of src/weblink.c."""

import email.policy
import email.utils
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import zlib
from email.message import EmailMessage

from harness import (DEMO_MAILS, DESK_ADDR, LOOPBACK, DeskTest, log,
                     make_mail, parse_mail, port_open, wait_until,
                     web_desk_key,
                     web_ticket_key)

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}
ADMINS = {"root_admins": "root@corp.example",
          "admins": "bob@corp.example, carol@corp.example"}

XSS_SUBJECT = '<script>alert("subject")</script> VPN drops'
XSS_BODY = ("The printer jams on every page.\n"
            "<script>alert('body')</script>\n"
            "\"><img src=x onerror=alert(1)>\n")
XSS_FILE = '"><img src=x onerror=alert(2)>.txt'
RAW_PAYLOADS = ("<script>alert", "<img src=x onerror", "<svg onload")


def png(w=96, h=54, rgb=(37, 99, 235)):
    """A real PNG: a coloured picture with a darker band."""
    rows = b""
    for y in range(h):
        c = rgb if h // 3 <= y < 2 * h // 3 else tuple(v // 2 for v in rgb)
        rows += b"\0" + bytes(c) * w

    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(3)">'
       b'<script>alert(4)</script></svg>')
HTML = b"<!DOCTYPE html><script>alert(5)</script>"


def mail(subject, sender, name, body, files=(), reply_to=None):
    """A mail as a client sends it, with attachments (name, type, bytes)."""
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = email.utils.formataddr((name, sender))
    m["To"] = DESK_ADDR
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
    if reply_to:
        m["In-Reply-To"] = reply_to
    m.set_content(body)
    for fname, ctype, data in files:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=fname)
    return m.as_bytes()


class Web(DeskTest):
    """A desk with a few tickets and the daemon (and its page) running."""

    seed_tickets = True

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS), "categories": CATS})
        self.port = self.desk.web_port
        self.secret = os.path.join(self.tmp, "web.secret")
        if self.seed_tickets:
            self.seed()
        self.start()

    def start(self):
        self.desk.start()
        wait_until(lambda: port_open(self.port) or
                   self.desk.daemon.poll() is not None, 20,
                   what="the status page on port %d" % self.port)
        self.assertIsNone(self.desk.daemon.poll(), self.desk.daemon_log())

    def seed(self):
        d = self.desk
        # 1: hostile body and file names, a real image, an SVG, HTML
        d.stdin(mail("[high] [hardware/printer] Printer on the 3rd floor jams",
                     "alice@corp.example", "Alice Example", XSS_BODY,
                     files=[("jam.png", "image/png", png()),
                            ("diagram.svg", "image/svg+xml", SVG),
                            ("page.html", "text/html", HTML),
                            (XSS_FILE, "text/plain", b"text\n"),
                            ("Grüße.txt", "text/plain", b"hallo\n")]),
                check=0)
        # 2: a hostile subject
        d.stdin(make_mail(subject=XSS_SUBJECT, sender="bruno@corp.example",
                          name="Bruno", body="VPN error 809 every hour.\n"),
                check=0)
        # 3: for bob, resolved by him
        d.stdin(make_mail(subject="[hardware/laptop] [@bob] New laptop for "
                          "the intern", sender="chen@corp.example",
                          name="Chen Wei",
                          body="Our intern starts on Monday.\n"), check=0)
        d.stdin(make_mail(subject="Re: [IT #3] New laptop for the intern",
                          sender="bob@corp.example", name="Bob",
                          body="/resolve imaged and delivered\n\n"
                          "The laptop is at the front desk.\n"), check=0)
        # an internal note with a file on 1, and the requester's comment
        d.stdin(mail("Re: [IT #1] Printer on the 3rd floor jams",
                     "bob@corp.example", "Bob",
                     "/internal\n\nThe fuser is worn; order part 4711.\n",
                     files=[("quote-4711.pdf", "application/pdf",
                             b"%PDF-1.4 fake")]), check=0)
        d.stdin(make_mail(subject="Re: [IT #1] Printer on the 3rd floor jams",
                          sender="alice@corp.example", name="Alice Example",
                          body="It also smells of burnt paper.\n"), check=0)
        self.assertEqual(d.ticket_count(), 3)

    # -- HTTP -----------------------------------------------------------

    def req(self, path, method="GET", headers=None, body=None):
        """(status, headers with lower-case names, body bytes)."""
        c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def get(self, path, status=200):
        st, h, body = self.req(path)
        self.assertEqual(st, status, "%s: %s %s" % (path, st, body[:300]))
        return h, body.decode("utf-8")

    def raw(self, data):
        """Send bytes as they are; the first line of the answer."""
        with socket.create_connection((LOOPBACK, self.port), timeout=20) as s:
            s.sendall(data)
            out = b""
            while b"\r\n" not in out:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        return out.split(b"\r\n", 1)[0].decode("latin-1")

    def tkey(self, n):
        return web_ticket_key(self.secret, n)

    def dkey(self, expires=None):
        return web_desk_key(self.secret, expires or int(time.time()) + 3600)

    def q(self, **kw):
        return urllib.parse.urlencode(kw)

    def assert_safe_headers(self, h, csp_file=False):
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")
        csp = h.get("content-security-policy", "")
        if csp_file:
            self.assertIn("sandbox", csp)
        else:
            self.assertIn("default-src 'none'", csp)
            self.assertIn("style-src 'self'", csp)
            self.assertNotIn("script-src", csp)
            self.assertNotIn("unsafe-inline", csp)

    def assert_no_payload(self, text, where):
        for p in RAW_PAYLOADS:
            self.assertNotIn(p, text, "%s: raw %r" % (where, p))

    def attachment_id(self, filename):
        return self.desk.scalar("SELECT id FROM attachments WHERE "
                                "filename = ?", (filename,))


class Routes(Web):

    def test_open_routes_and_headers(self):
        h, body = self.get("/")
        self.assertTrue(h["content-type"].startswith("text/html"))
        self.assert_safe_headers(h)
        self.assertIn("<h1>Dashboard</h1>", body)
        self.assertIn("3 tickets raised", body)
        for label in ("Raised", "Open", "Assigned", "Resolved", "Rejected",
                      "bob@corp.example", "carol@corp.example",
                      "Opened and closed per day", "<svg",
                      "Resolution time by priority"):
            self.assertIn(label, body)
        # the figures open to all carry no ticket content
        self.assertNotIn("Printer on the 3rd floor", body)
        # the SLA clock's figure (issue 9)
        self.assertIn("Breached", body)
        self.assertNotIn("<script", body)
        # HEAD: the same headers, no body
        st, hh, hbody = self.req("/", "HEAD")
        self.assertEqual(st, 200)
        self.assertEqual(hbody, b"")
        self.assertEqual(hh.get("content-type"), h["content-type"])
        self.assertEqual(int(hh["content-length"]), len(body.encode()))

        h, css = self.get("/style.css")
        self.assertTrue(h["content-type"].startswith("text/css"))
        self.assertIn("font", css)
        h, kb = self.get("/kb")
        self.assertIn("Knowledge base", kb)
        h, health = self.get("/healthz")
        self.assertTrue(health.startswith("ok\n"), health)
        st, _, _ = self.req("/healthz", "HEAD")
        self.assertEqual(st, 200)

        h, text = self.get("/api/stats.json")
        self.assertEqual(h["content-type"], "application/json")
        self.assert_safe_headers(h)
        st = json.loads(text)
        self.assertEqual(st["raised"], 3)
        self.assertEqual(st["by_status"]["resolved"], 1)
        self.assertEqual(st["breached"], 0)
        self.assertEqual(len(st["days"]), 30)
        self.assertEqual(sum(d["opened"] for d in st["days"]), 3)
        self.assertEqual({a["email"] for a in st["admins"]},
                         {"bob@corp.example", "carol@corp.example",
                          "root@corp.example"})
        bob = [a for a in st["admins"] if a["email"] == "bob@corp.example"][0]
        self.assertEqual(bob["resolved_30d"], 1)
        self.assertTrue(bob["online"])      # he wrote a minute ago
        self.assertNotIn("Printer", text)

    def test_figures_follow_every_change(self):
        """The figures are reused between requests, but never across a
        change to the database."""
        raised = lambda: json.loads(self.get("/api/stats.json")[1])["raised"]
        self.assertEqual(raised(), 3)
        self.assertEqual(raised(), 3)
        for n in (4, 5):
            self.desk.stdin(make_mail(subject="Another %d" % n), check=0)
            for _ in range(4):      # both of the page's connections
                self.assertEqual(raised(), n)
        self.assertIn("5 tickets raised", self.get("/")[1])
        self.assertIn('ticketd_tickets{status="assigned",priority="low"} 3',
                      self.get("/metrics")[1])

    def test_metrics(self):
        h, text = self.get("/metrics")
        self.assertTrue(h["content-type"].startswith("text/plain; version=0.0.4"))
        vals = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, value = line.rsplit(" ", 1)
            vals[name] = float(value)
        self.assertEqual(sum(v for k, v in vals.items()
                             if k.startswith("ticketd_tickets{")), 3)
        self.assertEqual(vals['ticketd_tickets{status="resolved",'
                              'priority="low"}'], 1)
        self.assertEqual(vals['ticketd_tickets{status="assigned",'
                              'priority="high"}'], 1)
        for name in ("ticketd_outbox_pending", "ticketd_parse_failures_total",
                     "ticketd_imap_reconnects_total",
                     "ticketd_notices_sent_total",
                     'ticketd_smtp_failures_total{kind="temporary"}',
                     'ticketd_mails_total{outcome="ticket"}',
                     "ticketd_start_time_seconds"):
            self.assertIn(name, vals)
        # every HELP has its TYPE
        self.assertEqual(text.count("# HELP"), text.count("# TYPE"))

    def test_keys(self):
        h, body = self.get("/t/1?k=" + self.tkey(1))
        self.assertIn("Printer on the 3rd floor jams", body)
        self.assert_safe_headers(h)
        # no key, a wrong key, another ticket's key, a desk key gone stale
        refusals = ["/t/1", "/t/1?k=", "/t/1?k=" + "A" * 22,
                    "/t/1?k=" + self.tkey(2), "/t/1?k=" + self.tkey(1)[:-1],
                    "/t/1?k=" + self.dkey(int(time.time()) - 1),
                    "/t/1?k=" + self.dkey()[:-1] + "x",
                    "/t/1?k=%00", "/t/1?k=" + "x" * 300,
                    "/tickets", "/tickets?k=" + self.tkey(1),
                    "/api/tickets.json", "/api/tickets/1.json",
                    "/api/tickets/1.json?k=" + self.tkey(3),
                    "/t/1/a/%d" % self.attachment_id("jam.png"),
                    "/t/1/a/%d?k=%s" % (self.attachment_id("jam.png"),
                                        self.tkey(2)),
                    # a missing ticket: no hint that it does not exist
                    "/t/99", "/t/99?k=" + self.tkey(1)]
        for path in refusals:
            st, h, body = self.req(path)
            self.assertIn(st, (400, 403), path)
            text = body.decode()
            for secret in ("Printer", "Alice", "alice@", "jams", "jam.png"):
                self.assertNotIn(secret, text, path)
        st, h, body = self.req("/t/1")
        self.assertEqual(st, 403)
        self.assertIn("Forbidden: open this page with the link from a "
                      "notice", body.decode())
        self.assertTrue(h["content-type"].startswith("text/html"))
        # the same answer whatever the ticket, and whether it exists
        self.assertEqual(self.req("/t/2")[2], body)
        self.assertEqual(self.req("/t/99?k=" + self.tkey(1))[2], body)
        st, h, body = self.req("/api/tickets/1.json")
        self.assertEqual((st, h["content-type"]), (403, "application/json"))
        self.assertIn("Forbidden", json.loads(body)["error"])
        # a desk key opens every ticket, the list and the API
        k = self.dkey()
        for n in (1, 2, 3):
            self.get("/t/%d?k=%s" % (n, k))
        _, lst = self.get("/tickets?k=" + k)
        self.assertIn("Printer on the 3rd floor jams", lst)
        self.assertIn("New laptop for the intern", lst)
        # its links keep the key; a ticket key is only carried to its files
        self.assertIn("/t/3?k=" + k, lst)
        _, page = self.get("/t/1?k=" + self.tkey(1))
        self.assertNotIn('href="/tickets', page)
        self.assertIn("/t/1/a/%d?k=%s" % (self.attachment_id("jam.png"),
                                          self.tkey(1)), page)
        data = json.loads(self.get("/api/tickets.json?k=" + k)[1])
        self.assertEqual(data["total"], 3)
        self.assertEqual([t["number"] for t in data["tickets"]], [3, 2, 1])
        data = json.loads(self.get("/api/tickets/2.json?k=" +
                                   self.tkey(2))[1])
        self.assertEqual(data["subject"], XSS_SUBJECT)
        self.get("/t/99?k=" + k, status=404)
        self.get("/api/tickets/99.json?k=" + k, status=404)
        # an open page with a bad key: still open, with a word about it
        _, body = self.get("/?k=" + self.tkey(1))
        self.assertIn("This link is not valid", body)
        self.assertNotIn('href="/tickets', body)
        _, body = self.get("/?k=" + k)
        self.assertIn('href="/tickets?k=' + k, body)

    def test_internal_notes_only_with_the_desk_key(self):
        pdf = self.attachment_id("quote-4711.pdf")
        _, body = self.get("/t/1?k=" + self.tkey(1))
        self.assertIn("burnt paper", body)
        self.assertNotIn("fuser", body)
        self.assertNotIn("quote-4711", body)
        self.get("/t/1/a/%d?k=%s" % (pdf, self.tkey(1)), status=404)
        data = json.loads(self.get("/api/tickets/1.json?k=" +
                                   self.tkey(1))[1])
        self.assertEqual([c["body"].strip() for c in data["comments"]],
                         ["It also smells of burnt paper."])
        self.assertNotIn("quote-4711.pdf",
                         [a["filename"] for a in data["attachments"]])
        k = self.dkey()
        _, body = self.get("/t/1?k=" + k)
        self.assertIn("The fuser is worn", body)
        self.assertIn("internal note", body)
        self.assertIn("quote-4711.pdf", body)
        h, data = self.req("/t/1/a/%d?k=%s" % (pdf, k))[1:]
        self.assertEqual(data, b"%PDF-1.4 fake")

    def test_hostile_text_comes_back_escaped(self):
        k = self.dkey()
        pages = ["/t/1?k=" + k, "/t/1?k=" + self.tkey(1), "/t/2?k=" + k,
                 "/tickets?k=" + k, "/tickets?" + self.q(k=k, q="alert"),
                 "/tickets?" + self.q(k=k, q="script"), "/"]
        for path in pages:
            _, body = self.get(path)
            self.assert_no_payload(body, path)
        _, body = self.get("/t/1?k=" + k)
        self.assertIn("&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;",
                      body)
        self.assertIn("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", body)
        self.assertIn("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.txt",
                      body)
        _, body = self.get("/t/2?k=" + k)
        self.assertIn("&lt;script&gt;alert(&quot;subject&quot;)"
                      "&lt;/script&gt; VPN drops", body)
        # the snippet: the match marked, the text around it escaped
        _, body = self.get("/tickets?" + self.q(k=k, q="alert"))
        self.assertIn("&lt;script&gt;<mark>alert</mark>", body)
        # JSON carries the text as it is, in JSON's own escaping
        data = json.loads(self.get("/api/tickets/1.json?k=" + k)[1])
        self.assertIn("<script>alert('body')</script>", data["body"])
        self.assertIn(XSS_FILE, [a["filename"] for a in data["attachments"]])
        raw = self.get("/api/tickets/1.json?k=" + k)[1]
        self.assert_no_payload(raw, "json")

    def test_attachments(self):
        k = self.tkey(1)
        path = "/t/1/a/%d?k=%s"
        st, h, data = self.req(path % (self.attachment_id("jam.png"), k))
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "image/png")
        self.assertTrue(h["content-disposition"].startswith("inline;"))
        self.assertEqual(data, png())
        self.assert_safe_headers(h, csp_file=True)
        _, page = self.get("/t/1?k=" + k)
        self.assertIn('<img src="/t/1/a/%d?k=%s"' %
                      (self.attachment_id("jam.png"), k), page)
        # SVG and HTML: never shown, only downloaded
        for name, raw in (("diagram.svg", SVG), ("page.html", HTML),
                          (XSS_FILE, b"text\n")):
            st, h, data = self.req(path % (self.attachment_id(name), k))
            self.assertEqual(st, 200, name)
            self.assertEqual(h["content-type"], "application/octet-stream")
            self.assertTrue(h["content-disposition"].startswith(
                "attachment;"), name)
            self.assertEqual(h["x-content-type-options"], "nosniff")
            self.assertIn("sandbox", h["content-security-policy"])
            self.assertEqual(data.replace(b"\r\n", b"\n"), raw)
            self.assertNotIn('<img src="/t/1/a/%d' %
                             self.attachment_id(name), page)
        d = self.req(path % (self.attachment_id(XSS_FILE), k))[1][
            "content-disposition"]
        self.assertNotIn('"><img', d.split("filename*=")[0])
        self.assertIn("filename*=UTF-8''%22%3E%3Cimg", d)
        d = self.req(path % (self.attachment_id("Grüße.txt"), k))[1][
            "content-disposition"]
        self.assertIn("filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt", d)
        # another ticket's attachment through this ticket: not found
        other = self.attachment_id("jam.png")
        self.get("/t/2/a/%d?k=%s" % (other, self.tkey(2)), status=404)
        self.get("/t/1/a/99999?k=" + k, status=404)

    def test_search_and_filters(self):
        k = self.dkey()

        def numbers(**kw):
            kw["k"] = k
            data = json.loads(self.get("/api/tickets.json?" +
                                       self.q(**kw))[1])
            return [t["number"] for t in data["tickets"]], data["total"]

        self.assertEqual(numbers(q="printer"), ([1], 1))
        self.assertEqual(numbers(q="burnt"), ([1], 1))      # a comment
        self.assertEqual(numbers(q="fuser"), ([1], 1))      # internal: desk
        self.assertEqual(numbers(q="laptop intern"), ([3], 1))
        self.assertEqual(numbers(q="lapt*"), ([3], 1))
        self.assertEqual(numbers(q="zebra"), ([], 0))
        # FTS5 syntax in the words is taken as words
        for q in ('"unbalanced', "NEAR(a b", "col:x", "a AND", "*", "^x",
                  "subject:printer", "(", "printer OR"):
            st, _, body = self.req("/tickets?" + self.q(k=k, q=q))
            self.assertEqual(st, 200, q)
        self.assertEqual(numbers(status="resolved"), ([3], 1))
        self.assertEqual(numbers(status="active")[1], 2)
        self.assertEqual(numbers(priority="high"), ([1], 1))
        self.assertEqual(numbers(category="hardware/laptop"), ([3], 1))
        self.assertEqual(numbers(category="hardware")[1], 2)
        self.assertEqual(numbers(admin="bob@corp.example")[0].count(3), 1)
        self.assertEqual(numbers(page="2"), ([], 3))
        self.assertEqual(numbers(q="printer", status="resolved"), ([], 0))
        _, body = self.get("/tickets?" + self.q(k=k, q="printer"))
        self.assertIn("<mark>", body)
        self.assertIn("1 ticket matches the search", body)
        _, body = self.get("/tickets?" + self.q(k=k, status="resolved",
                                                priority="low"))
        self.assertIn('<option value="resolved" selected>', body)

    def test_bad_requests(self):
        k = self.dkey()
        bad = ["/tickets?" + self.q(k=k, status="bogus"),
               "/tickets?" + self.q(k=k, priority="urgent"),
               "/tickets?" + self.q(k=k, category="../../etc"),
               "/tickets?" + self.q(k=k, category="Hardware"),
               "/tickets?" + self.q(k=k, admin="bob"),
               "/tickets?" + self.q(k=k, page="0"),
               "/tickets?" + self.q(k=k, page="abc"),
               "/tickets?" + self.q(k=k, page="99999"),
               "/tickets?" + self.q(k=k, q="x" * 201),
               "/tickets?" + self.q(k=k, q="a\x01b"),
               "/tickets?" + self.q(k=k, foo="1"),
               "/tickets?k=%s&status=open&status=open" % k,
               "/tickets?k=%s&q=a%%00b" % k,
               "/tickets?" + "&".join("p%d=1" % i for i in range(17)),
               "/?foo=1", "/metrics?q=x", "/t/1?k=%s&status=open" % k,
               "/t/abc", "/t/0", "/t/01", "/t/-1", "/t/1.5", "/t/",
               "/t/99999999999999999999", "/t/1/a/x", "/t/1/a/0",
               "/api/tickets/x.json", "/api/tickets/0.json"]
        for path in bad:
            st, h, body = self.req(path)
            self.assertEqual(st, 400, "%s: %s" % (path, body[:200]))
            self.assertLess(len(body), 4000)
            self.assert_safe_headers(h)
        st, _, body = self.req("/tickets?" + self.q(k=k, status="<b>x</b>"))
        self.assertEqual(st, 400)
        self.assertNotIn(b"<b>x</b>", body)
        # paths that are not the page's: nothing from the disk, ever
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                     "/style.css/../ticketd.conf", "/ticketd.conf",
                     "/web.secret", "/ticketd.db", "/static/../web.secret",
                     "/t/1/../../web.secret", "/index.html", "//etc/passwd",
                     "/t/1/x", "/t/1/a/1/x", "/api/tickets/1", "/TICKETS"):
            st, _, body = self.req(path)
            self.assertIn(st, (400, 404), path)
            self.assertNotIn(b"root:", body)
            self.assertNotIn(b"[imap]", body)
        secret = open(self.secret).read().strip()
        self.assertNotIn(secret.encode(), self.req("/web.secret")[2])
        # the raw request line, without a client's normalising
        self.assertIn(" 404 ", self.raw(b"GET /../web.secret HTTP/1.1\r\n"
                                        b"Host: x\r\n\r\n"))
        self.assertIn(" 404 ", self.raw(b"GET /t/1/../../../etc/passwd "
                                        b"HTTP/1.1\r\nHost: x\r\n\r\n"))

    def test_methods(self):
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
            for path in ("/", "/t/1?k=" + self.tkey(1), "/tickets",
                         "/nowhere"):
                st, h, _ = self.req(path, method, body=b"x=1" if method in
                                    ("POST", "PUT", "PATCH") else None)
                self.assertEqual(st, 405, "%s %s" % (method, path))
                self.assertEqual(h.get("allow"), "GET, HEAD")
        self.assertIn(" 405 ", self.raw(b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n"))
        self.get("/healthz")

    def test_huge_requests(self):
        for path in ("/?x=" + "a" * 100000, "/t/1?k=" + "a" * 20000,
                     "/" + "a" * 50000):
            st, _, _ = self.req(path)
            self.assertGreaterEqual(st, 400, path[:40])
            self.assertLess(st, 500, path[:40])
        st, _, _ = self.req("/", headers={"X-Big": "b" * 60000})
        self.assertGreaterEqual(st, 400)
        # a request line that never ends, then a burst: the page stays up
        with socket.create_connection((LOOPBACK, self.port), timeout=20) as s:
            s.sendall(b"GET /" + b"a" * 200000)
        for _ in range(50):
            self.get("/healthz")

    def test_nothing_written_through_the_page(self):
        def snapshot():
            con = sqlite3.connect("file:%s?mode=ro" % self.desk.db, uri=True)
            h = hashlib.sha256()
            for (name,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
                for row in con.execute('SELECT * FROM "%s"' % name):
                    h.update(repr(row).encode())
            con.close()
            return h.hexdigest()

        # let the daemon finish its own work (the outbox) first
        wait_until(lambda: self.desk.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0,
            20, what="the outbox to drain")
        before = snapshot()
        k = self.dkey()
        for path in ("/", "/tickets?k=" + k, "/t/1?k=" + k, "/metrics",
                     "/api/stats.json", "/api/tickets.json?k=" + k,
                     "/tickets?" + self.q(k=k, q="printer"), "/kb",
                     "/t/1/a/1?k=" + k):
            for method in ("GET", "HEAD", "POST", "PUT", "DELETE"):
                self.req(path, method, body=b"status=resolved" if
                         method in ("POST", "PUT") else None)
        self.assertEqual(snapshot(), before)
        self.assertEqual(self.desk.scalar(
            "SELECT status FROM tickets WHERE number = 1"), "assigned")


class FiguresBase(Web):
    """The dashboard's figures are one summary for every reader, computed
    by a thread of their own when the database has changed (issue 10,
    point 5): readers never compute them."""

    figures_env = {}        # TICKETD_TEST_FIGURES_* for the daemon

    def start(self):
        os.environ.update(self.figures_env)
        try:
            super().start()
        finally:
            for k in self.figures_env:
                del os.environ[k]

    def metric(self, name):
        for line in self.get("/metrics")[1].splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        self.fail("no %s in /metrics" % name)

    def raised(self):
        return json.loads(self.get("/api/stats.json")[1])["raised"]


class Figures(FiguresBase):

    def test_computed_once_for_every_reader(self):
        self.assertEqual(self.raised(), 3)
        n = self.metric("ticketd_web_figures_total")
        self.assertGreaterEqual(n, 1)
        # both threads, every page that shows them: no computation
        for _ in range(10):
            self.assertIn("3 tickets raised", self.get("/")[1])
            self.assertEqual(self.raised(), 3)
        self.assertEqual(self.metric("ticketd_web_figures_total"), n)
        # a change: computed once more, and shown to the next reader
        self.desk.stdin(make_mail(subject="One more"), check=0)
        self.assertIn("4 tickets raised", self.get("/")[1])
        for _ in range(10):
            self.assertEqual(self.raised(), 4)
        m = self.metric("ticketd_web_figures_total")
        self.assertGreater(m, n)
        self.assertEqual(self.metric("ticketd_web_figures_total"), m)
        self.assertGreaterEqual(self.metric("ticketd_web_figures_seconds"), 0)
        self.assertLess(self.metric("ticketd_web_figures_age_seconds"), 60)

    def test_each_viewer_gets_their_own_page(self):
        """The drawn dashboard is reused a few seconds for the same viewer
        only: the open page never carries a key, a desk key's page
        carries that key, a bad key gets the notice."""
        k1, k2 = self.dkey(), self.dkey(int(time.time()) + 7200)
        for _ in range(2):
            open_page = self.get("/")[1]
            self.assertNotIn("k=", open_page)
            self.assertNotIn("not valid", open_page)
            one = self.get("/?k=" + k1)[1]
            self.assertIn("k=" + k1, one)
            self.assertNotIn(k2, one)
            two = self.get("/?k=" + k2)[1]
            self.assertIn("k=" + k2, two)
            self.assertNotIn(k1, two)
            bad = self.get("/?k=" + k1[:-2] + "xx")[1]
            self.assertIn("This link is not valid", bad)
            self.assertNotIn("k=", bad)


class BusyFigures(FiguresBase):
    """A desk that writes all the time (mail, the outbox) and whose
    figures take a moment (20 ms, TICKETD_TEST_FIGURES_DELAY_MS): readers
    come while they are computed or while the refresher rests."""

    figures_env = {"TICKETD_TEST_FIGURES_DELAY_MS": "20"}

    def test_a_busy_desk_keeps_nobody_waiting(self):
        """The database changes between a reader's look and the
        computation it asked for: the reader gets that computation, not
        the 2-second wait for figures of a version that is already gone.
        Each reader comes after a write that followed the last reader's
        answer: each finds the figures stale and waits for a computation
        of its own, however fast the writer or the readers go."""
        self.assertEqual(self.raised(), 3)
        stop = threading.Event()
        writes, failed = [0], []

        def writer():
            # BEGIN IMMEDIATE: a deferred transaction that reads before it
            # writes fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait)
            # when the daemon commits in between
            con = sqlite3.connect(self.desk.db, timeout=10,
                                  isolation_level=None)
            try:
                con.execute("CREATE TABLE IF NOT EXISTS test_noise "
                            "(x INTEGER)")
                while not stop.is_set():
                    con.execute("BEGIN IMMEDIATE")
                    con.execute("INSERT INTO test_noise VALUES (1)")
                    con.execute("COMMIT")
                    writes[0] += 1
                    time.sleep(0.002)
            except Exception as e:      # told by the test, not lost
                failed.append(repr(e))
            finally:
                con.close()

        th = threading.Thread(target=writer, daemon=True)
        th.start()
        try:
            wait_until(lambda: writes[0] > 10 or failed, 10,
                       what="the writer")
            n = self.metric("ticketd_web_figures_total")
            for _ in range(10):
                # two counts on: a whole commit after the last answer
                # (the count follows its commit)
                w = writes[0]
                wait_until(lambda: writes[0] >= w + 2 or failed, 10,
                           interval=0.001, what="a write")
                self.assertEqual(failed, [])
                self.assertIn("3 tickets raised", self.get("/")[1])
            # one computation at least for each reader
            self.assertGreaterEqual(
                self.metric("ticketd_web_figures_total"), n + 10)
        finally:
            stop.set()
            th.join()
        self.assertEqual(failed, [])
        self.assertEqual(
            self.metric("ticketd_web_figures_waits_missed_total"), 0)


class ComputingFigures(FiguresBase):
    """Figures that take 1.5 s to compute (TICKETD_TEST_FIGURES_DELAY_MS)
    and readers who wait for them (TICKETD_TEST_FIGURES_WAIT_MS as the
    suite sets it), some computations made to fail
    (TICKETD_TEST_FIGURES_FAIL): which computation a reader waits for,
    and which ends its wait."""

    DELAY = 1.5

    def start(self):
        self.fail_file = os.path.join(self.tmp, "figures.fail")
        self.figures_env = {
            "TICKETD_TEST_FIGURES_DELAY_MS": str(int(self.DELAY * 1000)),
            # a wait can span a failing computation's rest of 1.5 s, the
            # refresher's rest (three times that) and one more: 7.5 s
            # when idle, more under ASan with tests beside it. 16 s (and
            # the 2 s the page adds) stays within the client's 20 s.
            "TICKETD_TEST_FIGURES_WAIT_MS": "16000",
            "TICKETD_TEST_FIGURES_FAIL": self.fail_file}
        super().start()

    def stats(self):
        return json.loads(self.get("/api/stats.json")[1])

    def settle(self):
        """The figures of the database as it stands, and the refresher's
        rest after them (three times as long as they took) over: the
        next reader to find them stale starts a computation at once.
        Returns how many tickets they count as rejected."""
        wait_until(lambda: self.desk.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0,
            20, what="the outbox to drain")
        rejected = self.stats()["by_status"]["rejected"]
        time.sleep(3 * self.metric("ticketd_web_figures_seconds") + 0.5)
        return rejected

    def reader(self, out):
        """A reader in a thread of its own; its figures go to out."""
        def run():
            try:
                out.append(self.stats())
            except Exception as e:      # told by the test, not lost
                out.append(repr(e))
        th = threading.Thread(target=run, daemon=True)
        th.start()
        return th

    def test_a_reader_takes_the_computation_running_on_what_it_saw(self):
        """A reader who comes while figures are computed from the very
        database it sees (nothing was written since that computation
        began) gets those figures when they are done: not the next
        computation's, three rests later, and it asks for none."""
        rejected = self.settle()
        n = self.metric("ticketd_web_figures_total")
        self.desk.sql("UPDATE tickets SET status = 'rejected' "
                      "WHERE number = 2")
        first = []
        th = self.reader(first)         # its look starts a computation
        time.sleep(self.DELAY / 3)      # which runs now
        t0 = time.monotonic()
        second = self.stats()           # the version that one began on
        took = time.monotonic() - t0
        th.join(30)
        for st in first + [second]:
            self.assertIsInstance(st, dict)
            self.assertEqual(st["by_status"]["rejected"], rejected + 1)
        self.assertEqual(self.metric("ticketd_web_figures_total"), n + 1,
                         "the second reader waited %.1f s" % took)
        # and none after: nobody asked for another
        time.sleep(4 * self.DELAY + 0.5)
        self.assertEqual(self.metric("ticketd_web_figures_total"), n + 1)
        self.assertEqual(
            self.metric("ticketd_web_figures_waits_missed_total"), 0)

    def test_an_older_failure_does_not_end_a_wait(self):
        """A computation that fails says nothing of the figures a reader
        who came after it began waits for: the reader waits on for the
        next computation and gets figures with what it saw."""
        rejected = self.settle()
        open(self.fail_file, "w").close()
        self.desk.sql("UPDATE tickets SET priority = 'high' "
                      "WHERE number = 3")
        first = []
        th = self.reader(first)         # its look starts a computation
        time.sleep(self.DELAY / 3)      # which runs now, and will fail
        os.unlink(self.fail_file)
        self.desk.sql("UPDATE tickets SET status = 'rejected' "
                      "WHERE number = 2")
        second = self.stats()           # came after it began
        th.join(30)
        self.assertEqual(second["by_status"]["rejected"], rejected + 1)
        # the first reader waited in vain when its own computation
        # failed (when it came too late for that, it got the next)
        self.assertIsInstance(first[0], dict)
        self.assertEqual(
            self.metric("ticketd_web_figures_waits_missed_total"),
            0 if first[0]["by_priority"]["high"]["resolved"] else 1)

    def test_a_reader_whose_computation_failed_waited_in_vain(self):
        """The failure of the very computation a reader waits for ends
        its wait: it gets the last figures, and /metrics counts it with
        the readers who waited in vain."""
        rejected = self.settle()
        open(self.fail_file, "w").close()
        self.desk.sql("UPDATE tickets SET status = 'rejected' "
                      "WHERE number = 2")
        t0 = time.monotonic()
        st = self.stats()
        took = time.monotonic() - t0
        os.unlink(self.fail_file)
        self.assertEqual(st["by_status"]["rejected"], rejected)
        self.assertLess(took, 10)       # not the whole 12-second wait
        self.assertEqual(
            self.metric("ticketd_web_figures_waits_missed_total"), 1)
        self.assertEqual(self.stats()["by_status"]["rejected"],
                         rejected + 1)


class SlowFigures(FiguresBase):
    """A desk whose figures take seconds to compute (stood in for by
    TICKETD_TEST_FIGURES_DELAY_MS): after a change the page answers at
    once with the figures it has, and shows the new ones when they are
    ready; nobody waits for them but the very first reader."""

    figures_env = {"TICKETD_TEST_FIGURES_DELAY_MS": "3000",
                   "TICKETD_TEST_FIGURES_WAIT_MS": "50"}     # as in use

    def test_readers_get_the_last_figures_meanwhile(self):
        self.assertEqual(self.raised(), 3)      # waits for the first
        self.assertGreaterEqual(self.metric("ticketd_web_figures_seconds"),
                                3)
        self.desk.stdin(make_mail(subject="One more"), check=0)
        # the change asks for new figures; this reader is not kept
        self.assertEqual(self.raised(), 3)
        self.assertIn("3 tickets raised", self.get("/")[1])
        wait_until(lambda: self.raised() == 4, 30, interval=0.5,
                   what="the new figures")
        self.assertIn("4 tickets raised", self.get("/")[1])


class Sla(Web):
    """The SLA clock on the page (issue 9): the due time and how it stands,
    the admin's cause, the breached figure and its metric."""

    def seed(self):
        super().seed()
        now = int(time.time())
        # 1 missed its due time and its admin said why; 3 was resolved in
        # time; 2 has a day left
        self.desk.sql("UPDATE tickets SET due_at = ?, breached_at = ?, "
                      "sla_reason = 'the part <b>came</b> late' "
                      "WHERE number = 1", (now - 7200, now - 7100))
        self.desk.sql("UPDATE tickets SET due_at = closed_at + 60 "
                      "WHERE number = 3")
        self.desk.sql("UPDATE tickets SET due_at = ? WHERE number = 2",
                      (now + 86400 + 600,))

    def test_clock_on_the_page(self):
        h, one = self.get("/t/1?k=" + self.dkey())
        self.assertIn("<dt>Due</dt>", one)
        self.assertIn('<span class="sla late">overdue</span>', one)
        self.assertIn("Cause of delay", one)
        self.assertIn("the part &lt;b&gt;came&lt;/b&gt; late", one)
        h, three = self.get("/t/3?k=" + self.tkey(3))
        self.assertIn('<span class="sla ok">met</span>', three)
        h, two = self.get("/t/2?k=" + self.tkey(2))
        self.assertIn("1d left", two)
        # the requester's own key does not show the admin's cause
        h, mine = self.get("/t/1?k=" + self.tkey(1))
        self.assertNotIn("Cause of delay", mine)
        h, dash = self.get("/")
        self.assertIn("Breached", dash)
        h, metrics = self.get("/metrics")
        self.assertIn("ticketd_sla_breached 1\n", metrics)
        h, j = self.get("/api/tickets/1.json?k=" + self.tkey(1))
        t = json.loads(j)
        self.assertIsNotNone(t["due_at"])
        self.assertIsNotNone(t["breached_at"])
        h, st = self.get("/api/stats.json")
        self.assertEqual(json.loads(st)["breached"], 1)
        bob = [a for a in json.loads(st)["admins"]
               if a["email"] == "bob@corp.example"][0]
        self.assertEqual(bob.get("sla_met_pct"), 100)


class NoticeLinks(Web):
    """Every notice links to its ticket's page with a key that opens that
    ticket (and no other); admins' notices carry a desk key, and the
    assignment notice and the report a desk-wide link (issue 10, point 3)."""

    def links(self, row):
        text = parse_mail(row["message"]).get_body(("plain",)).get_content()
        return re.findall(r"<(http://[^>]+)>", text)

    def path(self, url):
        base = "http://127.0.0.1:%d" % self.port
        self.assertTrue(url.startswith(base), url)
        return url[len(base):]

    def test_links_open_the_ticket_and_nothing_else(self):
        rows = self.desk.outbox()
        ack = [r for r in rows if r["kind"] == "ack" and r["ticket_number"] == 2][0]
        (url,) = self.links(ack)
        path = self.path(url)
        self.assertTrue(path.startswith("/t/2?k="), path)
        h, page = self.get(path)
        self.assertIn("809", page)                 # ticket 2's text
        self.assertNotIn("fuser is worn", page)    # no internal note
        # the same key does not open ticket 1
        self.get(path.replace("/t/2?", "/t/1?"), 403)
        # the admin's assignment notice: a desk key on the ticket, which
        # shows internal notes, and a link to the whole desk
        asg = [r for r in rows if r["kind"] == "assigned"
               and r["ticket_number"] == 1][0]
        t_url, d_url = self.links(asg)
        h, page = self.get(self.path(t_url))
        self.assertIn("fuser is worn", page)
        self.assertTrue(self.path(d_url).startswith("/?k="))
        h, desk = self.get(self.path(d_url).replace("/?", "/tickets?"))
        self.assertIn("New laptop for the intern", desk)
        # every ticket notice has its link
        for r in rows:
            if r["ticket_number"]:
                self.assertTrue(any("/t/%d?k=" % r["ticket_number"] in u
                                    for u in self.links(r)),
                                "%s has no link" % r["kind"])


class Config(Web):
    """[web] listen, the secret file, and the counters of a live daemon."""

    seed_tickets = False

    def start(self):
        pass

    def test_listen_off(self):
        self.desk.conf["web"]["listen"] = ""
        self.desk.write_conf()
        self.desk.run("ticketd", ["-n"], check=0)
        self.desk.start()
        wait_until(lambda: "starting" in self.desk.daemon_log(), 20,
                   what="ticketd to start")
        time.sleep(0.5)
        self.assertFalse(port_open(self.port))
        self.assertNotIn("status page", self.desk.daemon_log())
        self.assertIsNone(self.desk.daemon.poll())
        self.desk.stop()

    def test_bad_listen_is_a_config_error(self):
        for value, msg in (("127.0.0.1", "a port is required"),
                           ("127.0.0.1:99999", "bad port"),
                           ("not a host:80", "bad host name")):
            self.desk.conf["web"]["listen"] = value
            self.desk.write_conf()
            r = self.desk.run("ticketd", ["-n"])
            self.assertNotEqual(r.rc, 0, value)
            self.assertRegex(r.stderr, r"ticketd\.conf:\d+: \[web\] listen:")
            self.assertIn(msg, r.stderr)

    def test_secret_file(self):
        st = os.stat(self.secret)
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(len(open(self.secret).read().strip()), 64)
        # readable by others: refused by -n and at start
        os.chmod(self.secret, 0o644)
        r = self.desk.run("ticketd", ["-n"])
        self.assertNotEqual(r.rc, 0)
        self.assertIn("web.secret is readable by group or others", r.stderr)
        r = self.desk.run("ticketd", [], timeout=30)
        self.assertEqual(r.rc, 78)          # EX_CONFIG
        self.assertIn("chmod 600", r.stderr)
        # missing: made at start (an upgraded desk), then used
        os.unlink(self.secret)
        Web.start_daemon_only(self)
        self.assertEqual(os.stat(self.secret).st_mode & 0o777, 0o600)
        self.get("/t/1?k=" + self.tkey(1), status=404)  # no ticket 1 yet
        self.desk.stdin(make_mail(), check=0)
        self.get("/t/1?k=" + self.tkey(1))

    def test_counters_of_the_running_daemon(self):
        dove = self.start_dovecot()
        self.desk.conf["imap"]["url"] = "imap://%s:%d" % (LOOPBACK, dove.port)
        self.desk.write_conf()
        Web.start_daemon_only(self)
        dove.append(make_mail(subject="Metrics one"))
        wait_until(lambda: self.desk.ticket_count() == 1, 30,
                   what="the ticket")

        def metric(name):
            for line in self.get("/metrics")[1].splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[-1])
            return None

        wait_until(lambda: metric('ticketd_mails_total{outcome="ticket"}')
                   == 1, 20, what="the mail counted")
        wait_until(lambda: (metric("ticketd_notices_sent_total") or 0) >= 1,
                   20, what="the notice counted")
        self.assertEqual(metric("ticketd_parse_failures_total"), 0)
        self.assertEqual(metric("ticketd_imap_reconnects_total"), 0)
        # the ack may be counted while the assignment notice still waits
        wait_until(lambda: metric("ticketd_outbox_pending") == 0, 20,
                   what="an empty outbox")


def start_daemon_only(self):
    """Start ticketd and wait for its page (Config tests start it late)."""
    Web.start(self)


Web.start_daemon_only = start_daemon_only


# ---------------------------------------------------------------------------
# A real browser

def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Browser(Web):
    """Headless Chromium loads the dashboard and a ticket page, reads the
    visible text, and saves screenshots in the test's directory (kept with
    tests/run --keep, or when the test fails); with $TICKETD_SCREENSHOTS
    set, the ones README.md shows are copied there too (`make screenshots`
    refreshes docs/)."""

    seed_tickets = True

    def setUp(self):
        if chromium() is None or not shutil.which("chromedriver"):
            raise unittest.SkipTest("headless Chromium is not installed "
                                    "(Debian: chromium chromium-driver; "
                                    "contrib/install-deps.sh installs them)")
        try:
            import selenium  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("python3-selenium is not installed")
        super().setUp()

    def seed(self):
        """The demo's mails (harness.DEMO_MAILS), the printer one with a
        photo, then replies, a CJK one, a hostile one and a month of
        history: what `make demo` shows after a while."""
        d = self.desk
        backdate_history(d)
        first = d.ticket_count() + 1
        self.num = {"printer": first, "vpn": first + 1, "laptop": first + 2,
                    "cjk": first + 3, "xss": first + 4}
        for tag, addr, name, subj, body in DEMO_MAILS:
            files = [("display.png", "image/png", printer_png())] \
                if tag == "printer" else []
            d.stdin(mail(subj, addr, name, body, files=files), check=0)
        d.stdin(make_mail(subject="Re: [IT #%d] New laptop for the intern"
                          % self.num["laptop"],
                          sender="bob@corp.example", name="Bob",
                          body="/resolve imaged and delivered\n\n"
                          "The laptop is at the front desk.\n"), check=0)
        d.stdin(mail("Re: [IT #%d] Printer on the 3rd floor jams"
                     % self.num["printer"],
                     "carol@corp.example", "Carol", "/internal\n\nThe fuser "
                     "is worn; I ordered part 4711.\n"), check=0)
        d.stdin(make_mail(subject="Re: [IT #%d] Printer on the 3rd floor "
                          "jams" % self.num["printer"],
                          sender="alice@corp.example", name="Alice Example",
                          body="Thanks! It also smells of burnt paper now.\n"),
                check=0)
        d.stdin(mail("打印机卡纸 🖨", "li.lei@corp.example", "李雷",
                     "三楼的打印机又卡纸了。\n"), check=0)
        d.stdin(make_mail(subject=XSS_SUBJECT, sender="eve@corp.example",
                          name="Eve", body=XSS_BODY), check=0)
        self.assertEqual(d.ticket_count(), first + 4)
        self.assertEqual(d.scalar("SELECT status FROM tickets WHERE number = "
                                  "?", (self.num["laptop"],)), "resolved")

    def driver(self, width, height):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        home = tempfile.mkdtemp(prefix="chromium-home-", dir=self.tmp)
        os.environ["HOME"] = home
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--hide-scrollbars",
                  "--user-data-dir=" + os.path.join(home, "profile"),
                  "--window-size=%d,%d" % (width, height),
                  "--force-device-scale-factor=1", "--lang=en-US"):
            opts.add_argument(a)
        svc = Service(shutil.which("chromedriver"),
                      log_output=os.path.join(self.tmp, "chromedriver.log")) \
            if "log_output" in Service.__init__.__code__.co_varnames else \
            Service(shutil.which("chromedriver"))
        d = webdriver.Chrome(service=svc, options=opts)
        self.addCleanup(d.quit)
        d.set_page_load_timeout(30)
        return d

    def shoot(self, d, name, width, docs=False):
        # the whole page, not only the window
        h = d.execute_script("return document.documentElement.scrollHeight")
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": max(400, min(int(h), 4000)),
            "deviceScaleFactor": 1, "mobile": width < 600})
        out = os.path.join(self.tmp, "screenshots")
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, name + ".png")
        d.save_screenshot(path)
        log("screenshot", path)
        keep = os.environ.get("TICKETD_SCREENSHOTS")
        if keep and docs:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(path, os.path.join(keep, name + ".png"))
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        return path

    def test_dashboard_and_ticket_in_chromium(self):
        from selenium.webdriver.common.by import By
        base = "http://%s:%d" % (LOOPBACK, self.port)
        k = self.dkey()
        d = self.driver(1280, 900)

        def text():
            return d.find_element(By.TAG_NAME, "body").text

        d.get(base + "/?k=" + k)
        body = text()
        for want in ("Dashboard", "RAISED", "OPEN", "ASSIGNED", "RESOLVED",
                     "REJECTED", "bob@corp.example", "online", "offline",
                     "OPENED AND CLOSED PER DAY",
                     "RESOLUTION TIME BY PRIORITY", "high", "median"):
            self.assertIn(want, body)
        # the stylesheet applied (no inline style was needed)
        bg = d.execute_script("return getComputedStyle(document.querySelector"
                              "('header.top')).backgroundColor")
        self.assertEqual(bg, "rgb(15, 23, 42)")
        # the charts are drawn: columns with a height
        bars = d.find_elements(By.CSS_SELECTOR, "svg.daily rect.s-a")
        self.assertEqual(len(bars), 30)
        self.assertTrue(any(float(b.get_attribute("height")) > 0 for b in bars))
        self.shoot(d, "dashboard", 1280, docs=True)

        p = self.num["printer"]
        d.get(base + "/t/%d?k=%s" % (p, k))
        body = text()
        for want in ("#%d" % p, "Printer on the 3rd floor jams on every page",
                     "Alice Example", "Paper jam tray 2", "display.png",
                     "The fuser is worn", "internal note",
                     "It also smells of burnt paper now."):
            self.assertIn(want, body)
        # the image is shown, loaded from the database with its real size
        # (it loads lazily: bring it into view and wait for it)
        img = d.find_element(By.CSS_SELECTOR, ".files img")
        d.execute_script("arguments[0].scrollIntoView()", img)
        wait_until(lambda: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth",
            img), 15, what="the image to load")
        self.assertEqual(d.execute_script("return arguments[0].naturalWidth",
                                          img), 320)
        d.execute_script("window.scrollTo(0, 0)")
        self.shoot(d, "ticket", 1280, docs=True)

        # non-Latin text reads as it was written
        d.get(base + "/tickets?k=" + k)
        body = text()
        for want in ("VPN-Zugang von zu Hause — Fehler 809 ✓",
                     "Bruno Müller", "打印机卡纸 🖨", "李雷", XSS_SUBJECT):
            self.assertIn(want, body)
        self.shoot(d, "tickets", 1280)

        # the hostile ticket: its payloads are text, and no script exists
        d.get(base + "/t/%d?k=%s" % (self.num["xss"], k))
        body = text()
        self.assertIn("<script>alert('body')</script>", body)
        self.assertIn('"><img src=x onerror=alert(1)>', body)
        self.assertEqual(d.execute_script("return document.scripts.length"), 0)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR,
                                             "img[src='x']")), 0)

        # with the ticket's own key: the ticket, not the internal note
        d.get(base + "/t/%d?k=%s" % (p, self.tkey(p)))
        body = text()
        self.assertIn("Paper jam tray 2", body)
        self.assertNotIn("fuser", body)
        self.assertNotIn("Tickets", d.find_element(By.CSS_SELECTOR,
                                                   "nav.nav").text)

        # a phone: no sideways scrolling of the page itself
        d.set_window_size(390, 844)
        d.get(base + "/?k=" + k)
        over = d.execute_script("return document.documentElement.scrollWidth"
                                " - document.documentElement.clientWidth")
        self.assertLessEqual(over, 0)
        self.shoot(d, "dashboard-phone", 390)
        d.get(base + "/t/%d?k=%s" % (p, k))
        self.shoot(d, "ticket-phone", 390, docs=True)


def printer_png():
    """A 320x200 drawing of a printer with a sheet stuck in it."""
    w, h = 320, 200
    px = [[(241, 245, 249)] * w for _ in range(h)]

    def rect(x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(h, y1)):
            row = px[y]
            for x in range(max(0, x0), min(w, x1)):
                row[x] = c
    rect(95, 18, 225, 80, (255, 255, 255))          # paper in the tray
    rect(95, 18, 225, 20, (203, 213, 225))
    rect(70, 60, 250, 78, (148, 163, 184))          # tray
    rect(50, 76, 270, 160, (51, 65, 85))            # body
    rect(60, 86, 260, 92, (71, 85, 105))
    rect(190, 100, 250, 122, (187, 247, 208))       # display
    rect(196, 108, 244, 112, (22, 101, 52))
    rect(66, 104, 78, 116, (220, 38, 38))           # the red light
    rect(80, 138, 240, 146, (15, 23, 42))           # the slot
    rect(120, 146, 200, 178, (255, 255, 255))       # the jammed sheet
    rect(120, 176, 200, 178, (203, 213, 225))
    rows = b"".join(b"\0" + b"".join(bytes(c) for c in r) for r in px)

    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def backdate_history(desk, days=30, seed=7):
    """A month of history for the charts and the admins' table: resolved
    and rejected tickets spread over the last days, written with SQL (the
    live tickets above came through the intake). Deterministic."""
    import random
    rnd = random.Random(seed)
    now = int(time.time())
    con = sqlite3.connect(desk.db, timeout=30)
    for addr, name in (("bob@corp.example", "Bob"),
                       ("carol@corp.example", "Carol")):
        con.execute("INSERT OR IGNORE INTO people (email, name, role, "
                    "created_at) VALUES (?, ?, 'admin', ?)",
                    (addr, name, now - 90 * 86400))
    ids = {r[0]: r[1] for r in con.execute("SELECT email, id FROM people")}
    for addr, name in (("dana@corp.example", "Dana Scully"),
                       ("erik@corp.example", "Erik Lind"),
                       ("fatima@corp.example", "Fatima Haddad"),
                       ("giulia@corp.example", "Giulia Rossi")):
        if addr not in ids:
            cur = con.execute("INSERT INTO people (email, name, role, "
                              "created_at) VALUES (?, ?, 'user', ?)",
                              (addr, name, now - 90 * 86400))
            ids[addr] = cur.lastrowid
    requesters = [ids[a] for a in ("dana@corp.example", "erik@corp.example",
                                   "fatima@corp.example",
                                   "giulia@corp.example")]
    admins = [ids["bob@corp.example"], ids["carol@corp.example"]]
    subjects = ["Outlook keeps asking for the password", "Monitor flickers",
                "Cannot print to the 2nd floor printer", "VPN drops hourly",
                "New starter needs a laptop", "Wi-Fi slow in meeting room B",
                "Excel crashes on open", "Badge reader at the back door",
                "Teams camera not found", "Shared drive is full",
                "Docking station no display", "Phone extension moved"]
    prios = ["high"] * 2 + ["medium"] * 3 + ["low"] * 5
    target = {"high": 4 * 3600, "medium": 86400, "low": 3 * 86400}
    for day in range(days, 0, -1):
        for _ in range(rnd.randint(1, 7)):
            created = now - day * 86400 + rnd.randint(8 * 3600, 17 * 3600)
            pr = rnd.choice(prios)
            took = int(target[pr] * rnd.uniform(0.1, 1.6))
            closed = created + took
            if closed > now - 1800:
                continue
            status = "rejected" if rnd.random() < 0.08 else "resolved"
            adm = rnd.choice(admins)
            cur = con.execute(
                "INSERT INTO tickets (subject, body, requester_id, "
                "assignee_id, status, priority, category, created_at, "
                "updated_at, closed_at, assigned_at) VALUES "
                "(?, 'See the subject.', ?, ?, ?, ?, 'hardware', ?, ?, ?, ?)",
                (rnd.choice(subjects), rnd.choice(requesters), adm, status,
                 pr, created, closed, closed, created + 60))
            con.execute("INSERT INTO events (ticket_number, at, actor_id, "
                        "kind) VALUES (?, ?, ?, ?)",
                        (cur.lastrowid, closed, adm, status))
    # carol was last seen an hour ago: offline in a 15-minute window
    con.execute("UPDATE events SET at = ? WHERE actor_id = ? AND at > ?",
                (now - 3600, ids["carol@corp.example"], now - 3600))
    con.execute("UPDATE mails SET received_at = ? WHERE from_addr = ? AND "
                "received_at > ?", (now - 3600, "carol@corp.example",
                                    now - 3600))
    con.commit()
    con.close()


if __name__ == "__main__":
    unittest.main()
