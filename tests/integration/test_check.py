"""Before going live (issue 14, point 4): `ticketd -n` lists every problem
of the configuration, `ticketctl check` tries the configuration, the
database and both logins against the real Dovecot and SMTP sink and says
"ok" or "failed" with the server's own words for each step, and
`/healthz` shows the mail loop's last poll and the outbox's depth, with a
status a monitor can act on."""

import os
import re
import time
import urllib.error
import urllib.request

from harness import (IMAP_PASSWORD, LOOPBACK, REPO, SMTP_PASSWORD, DeskTest,
                     make_mail, wait_until)


def steps(out):
    """{step: (ok, text)} of ticketctl check's output."""
    res = {}
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+(ok|failed)(?:: (.*))?$", line)
        if m:
            res[m.group(1)] = (m.group(2) == "ok", m.group(3) or "")
    return res


class Check(DeskTest):

    def setUp(self):
        super().setUp()
        self.dovecot = self.start_dovecot()
        self.sink = self.start_sink()
        self.desk = self.make_desk(self.dovecot, self.sink)

    def check(self, expect):
        r = self.desk.ctl("check", check=expect)
        return r, steps(r.stdout)

    def test_all_ok(self):
        r, s = self.check(0)
        self.assertEqual(list(s), ["config", "templates", "web", "database",
                                   "imap", "smtp"], r.stdout)
        self.assertTrue(all(ok for ok, _ in s.values()), r.stdout)
        with open(os.path.join(REPO, "src", "db.h")) as f:
            v = re.search(r"#define DB_SCHEMA_VERSION\s+(\d+)", f.read())
        self.assertIn("schema %s," % v.group(1), s["database"][1])
        self.assertIn("logged in to %s:%d as it" % (LOOPBACK,
                                                     self.dovecot.port),
                      s["imap"][1])
        self.assertIn("NOOP answered", s["smtp"][1])
        # a look, not a change: no mail sent, no folder made, no database
        # migrated or written
        self.assertEqual(self.sink.messages(), [])
        self.assertNotIn("Processed", self.dovecot.folders())
        self.assertIn("Processed missing (created at start)", s["imap"][1])
        self.assertEqual(self.desk.ticket_count(), 0)

    def test_wrong_imap_password(self):
        with open(os.path.join(self.tmp, "imap.pass"), "w") as f:
            f.write("not-the-password\n")
        r, s = self.check(1)
        ok, text = s["imap"]
        self.assertFalse(ok)
        # Dovecot's own answer ("NO [AUTHENTICATIONFAILED] Authentication
        # failed."; libetpan keeps the text after the response code)
        self.assertIn("login as it refused: Authentication failed.", text)
        self.assertNotIn("not-the-password", r.stdout + r.stderr)
        self.assertTrue(s["smtp"][0] and s["database"][0], r.stdout)

    def test_smtp_down(self):
        self.sink.stop()
        r, s = self.check(1)
        ok, text = s["smtp"]
        self.assertFalse(ok)
        self.assertIn("Couldn't connect to server", text)
        self.assertTrue(s["imap"][0], r.stdout)

    def test_smtp_login_refused(self):
        ca = self.ca()
        self.sink.stop()
        sink = self.start_sink(tls=ca, require_starttls=True,
                               auth=("ticketd", SMTP_PASSWORD))
        self.desk.conf["smtp"]["url"] = "smtp://localhost:%d" % sink.port
        self.desk.conf["smtp"]["ca_file"] = ca["ca"]
        self.desk.set_smtp_password("wrong-" + SMTP_PASSWORD)
        r, s = self.check(1)
        ok, text = s["smtp"]
        self.assertFalse(ok)
        self.assertRegex(text, r"SMTP 535: .*\(535 ")
        self.assertNotIn("wrong-" + SMTP_PASSWORD, r.stdout + r.stderr)
        # and with the right one, over STARTTLS: ok, nothing sent
        self.desk.set_smtp_password()
        r, s = self.check(0)
        self.assertIn("logged in as ticketd (password)", s["smtp"][1])
        self.assertEqual(sink.messages(), [])

    def test_unreadable_database(self):
        os.unlink(self.desk.db)
        r, s = self.check(1)
        self.assertIn("No such file or directory", s["database"][1])
        with open(self.desk.db, "wb") as f:
            f.write(b"this is no SQLite database, only text\n" * 200)
        r, s = self.check(1)
        self.assertFalse(s["database"][0])
        self.assertIn("file is not a database", s["database"][1])
        # the other steps still ran
        self.assertTrue(s["imap"][0] and s["smtp"][0], r.stdout)

    def test_bad_configuration(self):
        self.desk.conf["imap"]["poll_interval"] = "soon"
        self.desk.conf["helpdesk"]["tag"] = "no spaces allowed"
        self.desk.write_conf()
        r, s = self.check(1)
        self.assertEqual(list(s), ["config"])
        lines = r.stdout.splitlines()
        self.assertTrue(any("poll_interval" in l for l in lines), r.stdout)
        self.assertTrue(any("[helpdesk] tag" in l for l in lines), r.stdout)


class CheckN(DeskTest):
    """ticketd -n: every problem on its own line, exit 1."""

    def setUp(self):
        super().setUp()
        self.desk = self.make_desk(init=False)

    def test_every_config_error_listed(self):
        self.desk.conf["imap"]["poll_interval"] = "soon"
        self.desk.conf["imap"]["idle"] = "perhaps"
        self.desk.conf["smtp"]["timeout"] = "99999"
        self.desk.conf["helpdesk"]["tag"] = "no spaces"
        self.desk.write_conf()
        r = self.desk.run("ticketd", ["-n"])
        self.assertEqual(r.rc, 1)
        lines = r.stderr.splitlines()
        for key in ("[imap] poll_interval", "[imap] idle", "[smtp] timeout",
                    "[helpdesk] tag"):
            self.assertEqual(len([l for l in lines if key in l]), 1,
                             (key, r.stderr))
        self.assertTrue(all(l.startswith(self.desk.path + ":")
                            for l in lines), r.stderr)

    def test_every_template_and_secret_listed(self):
        # two broken override templates and an unusable secret file: all
        # three on their own lines (before, -n stopped at the first)
        tdir = os.path.join(self.tmp, "templates")
        os.mkdir(tdir)
        with open(os.path.join(tdir, "ack.md"), "w") as f:
            f.write("Ticket {{nmber}}\n")
        with open(os.path.join(tdir, "resolved.md"), "w") as f:
            f.write("Done {{nte}}\n")
        secret = os.path.join(self.tmp, "web.secret")
        with open(secret, "w") as f:
            f.write("00" * 32 + "\n")
        os.chmod(secret, 0o644)
        self.desk.conf["helpdesk"]["templates"] = tdir
        self.desk.conf["web"]["secret_file"] = secret
        self.desk.write_conf()
        r = self.desk.run("ticketd", ["-n"])
        self.assertEqual(r.rc, 1)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 3, r.stderr)
        self.assertTrue(any("ack.md" in l and "{{nmber}}" in l
                            for l in lines), r.stderr)
        self.assertTrue(any("resolved.md" in l and "{{nte}}" in l
                            for l in lines), r.stderr)
        self.assertTrue(any("secret_file" in l for l in lines), r.stderr)
        self.assertNotIn("configuration OK", r.stdout)


class Health(DeskTest):
    """/healthz: 200 and "ok" with the last poll and the outbox's depth
    while the loop works; 503 "stale" once the mailbox stopped answering
    for longer than the window (2 x poll_interval + 2 x timeout here)."""

    def setUp(self):
        super().setUp()
        self.dovecot = self.start_dovecot()
        self.sink = self.start_sink(start=False)     # notices wait
        self.desk = self.make_desk(self.dovecot, self.sink, conf={
            "imap": {"idle": "no", "poll_interval": "1", "timeout": "2"}})

    def health(self):
        url = "http://%s:%d/healthz" % (LOOPBACK, self.desk.web_port)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def fields(self, body):
        return dict(l.split(": ", 1) for l in body.splitlines()[1:])

    def test_last_poll_outbox_and_stale(self):
        self.desk.start()
        self.dovecot.append(make_mail(subject="Printer jams"))
        wait_until(lambda: self.desk.ticket_count() == 1, 30,
                   what="the ticket")
        wait_until(lambda: self.health()[0] == 200 and
                   "last_poll: none" not in self.health()[1], 20,
                   what="a poll")
        st, body = self.health()
        self.assertEqual(body.splitlines()[0], "ok", body)
        f = self.fields(body)
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \((\d+) s ago\)$",
                     f["last_poll"])
        self.assertIsNotNone(m, body)
        self.assertLessEqual(int(m.group(2)), 6)
        self.assertEqual(f["poll_window"], "6 s")
        # the sink is down: the ack waits in the outbox
        self.assertGreaterEqual(int(f["outbox_pending"]), 1, body)
        self.assertEqual(f["outbox_failed"], "0")

        # the mailbox goes away: within the window the page still says ok,
        # past it 503 and how long it has been
        self.dovecot.stop()
        wait_until(lambda: self.health()[0] == 503, 30, interval=0.5,
                   what="/healthz to turn stale")
        st, body = self.health()
        self.assertRegex(body.splitlines()[0],
                         r"^stale: no good answer from the mailbox for "
                         r"\d+ s \(allowed 6 s\)$")
        self.assertIn("outbox_pending: ", body)
        # and back
        self.dovecot.start()
        wait_until(lambda: self.health()[0] == 200, 60, interval=0.5,
                   what="/healthz to recover")
        self.desk.stop()
