"""Config checking (-n), ticketctl init, database versions, secrets in logs."""

import os
import re
import sqlite3
import time

from harness import (IMAP_PASSWORD, SMTP_PASSWORD, DeskTest, make_mail)


class Config(DeskTest):

    def setUp(self):
        super().setUp()
        self.desk = self.make_desk(init=False)

    def conf_lines(self):
        """The default config as lines, for edits at known line numbers."""
        self.desk.write_conf()
        with open(self.desk.path) as f:
            return f.read().splitlines()

    def write_lines(self, lines):
        self.desk.write_conf("\n".join(lines) + "\n")

    def line_of(self, lines, prefix):
        for i, l in enumerate(lines):
            if l.startswith(prefix):
                return i + 1
        raise AssertionError("no line %r" % prefix)

    def check_n(self):
        return self.desk.run("ticketd", ["-n"])

    def test_good_config(self):
        r = self.check_n()
        self.assertEqual(r.rc, 0, r.stderr)

    def test_unknown_key(self):
        lines = self.conf_lines()
        at = self.line_of(lines, "[imap]")
        lines.insert(at, "bogus_key = 1")      # becomes line at+1
        self.write_lines(lines)
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"%s:%d: .*bogus_key" % (re.escape(self.desk.path), at + 1))

    def test_unknown_section(self):
        lines = self.conf_lines() + ["[nonsense]", "a = b"]
        self.write_lines(lines)
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("nonsense", r.stderr)
        self.assertIn(self.desk.path + ":", r.stderr)

    def test_missing_required_key(self):
        self.desk.conf["helpdesk"]["address"] = None
        self.desk.write_conf()
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"%s:\d+: .*address" % re.escape(self.desk.path))

    def test_missing_database_key(self):
        self.desk.conf["helpdesk"]["database"] = None
        self.desk.write_conf()
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"%s:\d+: .*database" % re.escape(self.desk.path))

    def test_bad_values_all_reported(self):
        lines = self.conf_lines()
        a = self.line_of(lines, "idle =")
        lines[a - 1] = "idle = perhaps"
        b = self.line_of(lines, "poll_interval =")
        lines[b - 1] = "poll_interval = soon"
        c = self.line_of(lines, "trust =")
        lines[c - 1] = "trust = everybody"
        self.write_lines(lines)
        r = self.check_n()
        self.assertEqual(r.rc, 1)
        p = re.escape(self.desk.path)
        self.assertRegex(r.stderr, r"%s:%d: .*idle" % (p, a))
        self.assertRegex(r.stderr, r"%s:%d: .*poll_interval" % (p, b))
        self.assertRegex(r.stderr, r"%s:%d: .*trust" % (p, c))

    def test_bad_url(self):
        self.desk.conf["imap"]["url"] = "http://127.0.0.1:143"
        self.desk.write_conf()
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"%s:\d+: .*url" % re.escape(self.desk.path))

    def test_starttls_no_only_for_loopback(self):
        self.desk.conf["imap"]["url"] = "imap://imap.corp.example:143"
        self.desk.conf["imap"]["starttls"] = "no"
        self.desk.write_conf()
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"%s:\d+: .*starttls" % re.escape(self.desk.path))

    def test_password_file_mode(self):
        os.chmod(self.desk.conf["imap"]["password_file"], 0o644)
        r = self.check_n()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("password_file", r.stderr)
        self.assertNotIn(IMAP_PASSWORD, r.stderr)

    def test_init_twice_refuses(self):
        self.desk.init()
        self.assertTrue(os.path.exists(self.desk.db))
        con = sqlite3.connect(self.desk.db)
        names = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        ver = con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
        for t in ("people", "tickets", "mails", "ticket_msgids", "outbox", "events"):
            self.assertIn(t, names)
        self.assertGreater(ver, 0)
        st = os.stat(self.desk.db)
        r = self.desk.ctl("init", check=None)
        self.assertNotEqual(r.rc, 0)
        self.assertTrue(r.stderr.strip(), "no message")
        self.assertEqual(os.stat(self.desk.db).st_size, st.st_size)

    def test_ticketd_missing_database(self):
        r = self.desk.run("ticketd", ["--once"])
        self.assertNotEqual(r.rc, 0)
        self.assertRegex(r.stderr, r"ticketctl\b.*\binit\b")
        self.assertFalse(os.path.exists(self.desk.db))

    def test_newer_schema_refused(self):
        self.desk.init()
        con = sqlite3.connect(self.desk.db)
        con.execute("PRAGMA user_version = 999")
        con.commit()
        con.close()
        r = self.desk.run("ticketd", ["--once"])
        self.assertNotEqual(r.rc, 0)
        self.assertTrue(r.stderr.strip())
        r = self.desk.run("ticketctl", ["ticket", "list"])
        self.assertNotEqual(r.rc, 0)


class Secrets(DeskTest):

    def test_passwords_not_logged(self):
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink)
        desk.set_smtp_password()          # plain sink: the notice fails, no leak
        dove.append(make_mail(subject="Secret test"))
        desk.run("ticketd", ["-n", "-v"], check=0)
        desk.once()
        desk.start()
        dove.append(make_mail(subject="Secret test 2"))
        time.sleep(3)
        desk.stop()
        # a wrong password: the refusal must not echo it
        with open(desk.conf["imap"]["password_file"], "w") as f:
            f.write("Wrong-Passw0rd-123\n")
        dove.append(make_mail(subject="Secret test 3"))
        desk.run("ticketd", ["-v", "--once"])
        desk.conf["imap"]["password_file"] = None
        desk.conf["imap"]["password"] = IMAP_PASSWORD
        desk.write_conf()
        desk.run("ticketd", ["-v", "--once"])
        desk.run("ticketd", ["-n", "-v"])
        self.assertNoSecret(desk, IMAP_PASSWORD, SMTP_PASSWORD, "Wrong-Passw0rd-123")
        self.assertNotIn(SMTP_PASSWORD.encode(), sink.wire())
        self.assertEqual(desk.ticket_count(), 3)
