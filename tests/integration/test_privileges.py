"""Privileges and secrets (issue 12, point 7): started as root with
[helpdesk] user, ticketd binds the page's port, then becomes that user,
its group and nothing else, for good, in every thread; it runs and writes
the database as that user; a database of another user, an unknown user or
root are refused. Passwords and the page's secret never show in a log, in
ticketctl's output, in a notice or on any page."""

import glob
import grp
import http.client
import os
import pwd
import signal
import time
import unittest

from harness import (DeskTest, IMAP_PASSWORD, LOOPBACK, SMTP_PASSWORD,
                     SMTP_USER, make_mail, port_open, wait_until,
                     web_desk_key, web_ticket_key)

USER = "nobody"


def ids(pid, what):
    """The Uid:/Gid: line of /proc/PID/status as four numbers."""
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(what + ":"):
                return [int(x) for x in line.split()[1:]]
    return None


def http_get(port, path):
    c = http.client.HTTPConnection(LOOPBACK, port, timeout=20)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


@unittest.skipUnless(os.geteuid() == 0, "needs root to drop privileges")
class Drop(DeskTest):

    def setUp(self):
        super().setUp()
        self.pw = pwd.getpwnam(USER)
        self.dove = self.start_dovecot()
        self.sink = self.start_sink()
        self.var = os.path.join(self.tmp, "var")
        os.makedirs(self.var)
        self.desk = self.make_desk(self.dove, self.sink, init=False, conf={
            "imap": {"poll_interval": "60"},
            "helpdesk": {"database": os.path.join(self.var, "ticketd.db"),
                         "user": USER, "admins": "bob@corp.example"}})
        self.desk.db = os.path.join(self.var, "ticketd.db")
        self.desk.init()

    def give(self):
        """The database's directory and files belong to the user."""
        for p in [self.var] + glob.glob(os.path.join(self.var, "*")):
            os.chown(p, self.pw.pw_uid, self.pw.pw_gid)

    def test_daemon_becomes_the_user(self):
        self.give()
        self.desk.start()
        pid = self.desk.daemon.pid
        wait_until(lambda: port_open(self.desk.web_port) or
                   self.desk.daemon.poll() is not None, 20,
                   what="the page")
        wait_until(lambda: "running as user" in self.desk.daemon_log(), 20,
                   what="the drop")
        gid = self.pw.pw_gid
        groups = sorted({gid} | {g.gr_gid for g in grp.getgrall()
                                 if USER in g.gr_mem})
        for task in os.listdir("/proc/%d/task" % pid):
            self.assertEqual(ids("%d/task/%s" % (pid, task), "Uid"),
                             [self.pw.pw_uid] * 4, "thread %s" % task)
            self.assertEqual(ids("%d/task/%s" % (pid, task), "Gid"),
                             [gid] * 4, "thread %s" % task)
            self.assertEqual(sorted(ids("%d/task/%s" % (pid, task),
                                        "Groups") or []), groups)
        # it works as the user: mail in, notices out, the page answers
        self.dove.append(make_mail(subject="After the drop"))
        wait_until(lambda: self.desk.ticket_count() == 1, 20, what="ticket")
        wait_until(lambda: self.sink.count() == 2, 20, what="2 notices")
        secret = os.path.join(self.var, "web.secret")
        st, body = http_get(self.desk.web_port, "/t/1?k=%s"
                            % web_ticket_key(secret, 1))
        self.assertEqual(st, 200)
        self.assertIn(b"After the drop", body)
        # what it made is the user's and private
        for p in glob.glob(os.path.join(self.var, "ticketd.db*")):
            sb = os.stat(p)
            self.assertEqual(sb.st_uid, self.pw.pw_uid, p)
            self.assertEqual(sb.st_mode & 0o077, 0, p)
        # the configuration file is root's (0600): a reload cannot read
        # it any more, is refused, and the daemon runs on
        self.desk.daemon.send_signal(signal.SIGHUP)
        wait_until(lambda: "the new configuration is refused" in
                   self.desk.daemon_log(), 20, what="the refusal")
        self.assertIsNone(self.desk.daemon.poll())
        self.assertEqual(self.desk.stop(), 0)

    def test_binds_a_privileged_port_then_drops(self):
        """The page's port is bound as root (below 1024, which only root
        may bind), then root is given up: the page answers from a process
        that is the user."""
        import socket
        port = None
        for p in range(1023, 600, -1):
            with socket.socket() as s:
                try:
                    s.bind((LOOPBACK, p))
                    port = p
                    break
                except OSError:
                    continue
        if port is None:
            self.skipTest("no free port below 1024")
        self.desk.web_port = port
        self.desk.conf["web"]["listen"] = "%s:%d" % (LOOPBACK, port)
        self.desk.write_conf()
        self.give()
        self.desk.start()
        wait_until(lambda: "running as user" in self.desk.daemon_log() or
                   self.desk.daemon.poll() is not None, 20, what="the drop")
        self.assertIsNone(self.desk.daemon.poll(), self.desk.daemon_log())
        self.assertEqual(ids(self.desk.daemon.pid, "Uid"),
                         [self.pw.pw_uid] * 4)
        log = self.desk.daemon_log()
        self.assertLess(log.index("web: status page on"),
                        log.index("running as user"))
        st, body = http_get(port, "/healthz")
        self.assertEqual(st, 200)
        self.assertEqual(self.desk.stop(), 0)

    def test_once_and_stdin_become_the_user(self):
        self.give()
        self.dove.append(make_mail(subject="Through --once"))
        r = self.desk.once()
        self.assertIn("running as user %s" % USER, r.stderr)
        r = self.desk.stdin(make_mail(subject="Through the pipe"), check=0)
        self.assertIn("running as user %s" % USER, r.stderr)
        self.assertEqual(self.desk.ticket_count(), 2)
        for p in glob.glob(os.path.join(self.var, "ticketd.db*")):
            self.assertEqual(os.stat(p).st_uid, self.pw.pw_uid, p)

    def test_database_of_another_user_refused(self):
        # left root's: the user could not write it after the drop
        r = self.desk.run("ticketd", ["-v"], timeout=20)
        self.assertEqual(r.rc, 78)
        self.assertIn("belongs to uid 0, not to [helpdesk] user nobody",
                      r.stderr)
        r = self.desk.stdin(make_mail(subject="Not taken"))
        self.assertEqual(r.rc, 75)          # the MTA keeps the mail
        self.assertEqual(self.desk.ticket_count(), 0)

    def test_bad_user_is_a_config_error(self):
        for user, why in (("no-such-user-here", "no such user"),
                          ("root", "is root")):
            self.desk.conf["helpdesk"]["user"] = user
            self.desk.write_conf()
            r = self.desk.run("ticketd", ["-n"])
            self.assertEqual(r.rc, 1)
            self.assertRegex(r.stderr, r"ticketd.conf:\d+: \[helpdesk\] "
                             r"user: .*%s" % why)


class FileModes(DeskTest):
    """Every file ticketd and ticketctl make is the owner's alone (0600),
    whatever umask they were started with: the database, its -wal and
    -shm, the page's secret, a backup."""

    def test_files_are_private_under_umask_0(self):
        old = os.umask(0)
        self.addCleanup(os.umask, old)
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink, init=False, conf={
            "imap": {"poll_interval": "60"}})
        secret = os.path.join(self.tmp, "web.secret")
        if os.path.exists(secret):
            os.unlink(secret)       # ticketd makes it
        before = set(os.listdir(self.tmp))
        desk.init()
        dove.append(make_mail(subject="Private files"))
        desk.start()
        wait_until(lambda: desk.ticket_count() == 1, 20, what="ticket")
        wait_until(lambda: os.path.exists(secret), 20, what="the secret")
        desk.ctl("backup", os.path.join(self.tmp, "copy.db"))
        made = sorted(n for n in set(os.listdir(self.tmp)) - before
                      if n not in ("ticketd.stderr", "valgrind")
                      and not n.startswith("."))     # the harness's own
        for want in ("ticketd.db", "ticketd.db-wal", "ticketd.db-shm",
                     "web.secret", "copy.db"):
            self.assertIn(want, made)
        for name in made:
            mode = os.stat(os.path.join(self.tmp, name)).st_mode
            self.assertEqual(mode & 0o777, 0o600,
                             "%s is %o" % (name, mode & 0o777))
        self.assertEqual(desk.stop(), 0)


class Secrets(DeskTest):
    """The IMAP and SMTP passwords and the page's secret: never in a log
    line (with -v), in ticketctl's output, in a notice, or on a page."""

    def test_secrets_nowhere(self):
        ca = self.ca()
        dove = self.start_dovecot()
        sink = self.start_sink(tls=ca, require_starttls=True,
                               auth=(SMTP_USER, SMTP_PASSWORD))
        desk = self.make_desk(dove, sink, conf={
            "imap": {"poll_interval": "60"},
            "smtp": {"url": "smtp://localhost:%d" % sink.port,
                     "ca_file": ca["ca"]},
            "helpdesk": {"admins": "bob@corp.example"}})
        desk.set_smtp_password()
        secret_path = os.path.join(self.tmp, "web.secret")
        with open(secret_path) as f:
            secret = f.read().strip()
        desk.run("ticketd", ["-n", "-v"], check=0)
        desk.stdin(make_mail(subject="Printer jams"), check=0)
        dove.append(make_mail(subject="VPN drops", sender="erin@corp.example"))
        desk.once()
        desk.start()
        wait_until(lambda: port_open(desk.web_port), 20, what="the page")
        dove.append(make_mail(subject="Re: [IT #1] Printer jams",
                              sender="bob@corp.example",
                              body="/resolve new toner\n"))
        wait_until(lambda: desk.scalar("SELECT status FROM tickets "
                                       "WHERE number = 1") == "resolved",
                   20, what="the resolution")
        wait_until(lambda: desk.scalar("SELECT count(*) FROM outbox WHERE "
                                       "status = 'pending'") == 0, 20,
                   what="the notices")
        dk = web_desk_key(secret_path, int(time.time()) + 3600)
        pages = b""
        for path in ("/", "/healthz", "/metrics", "/api/stats.json", "/kb",
                     "/tickets?k=" + dk, "/api/tickets.json?k=" + dk,
                     "/t/1?k=" + dk, "/t/2?k=" + web_ticket_key(
                         secret_path, 2), "/api/tickets/1.json?k=" + dk,
                     "/assets", "/tickets?k=%s&q=printer" % dk,
                     "/nowhere", "/t/1?k=wrong"):
            st, body = http_get(desk.web_port, path)
            self.assertLess(st, 500, path)
            pages += body
        desk.ctl("ticket", "show", "1")
        desk.ctl("ticket", "list")
        desk.ctl("ticket", "show", "--json", "2")
        desk.ctl("outbox")
        self.assertEqual(desk.stop(), 0)
        notices = b"".join(raw for _, raw in sink.messages())
        self.assertGreaterEqual(len(sink.messages()), 5)
        output = desk.all_output()
        for s in (IMAP_PASSWORD, SMTP_PASSWORD, secret):
            for where, text in (("a page", pages), ("the logs and "
                                "ticketctl", output), ("a notice", notices)):
                self.assertNotIn(s.encode(), text, "a secret in %s" % where)
        # the sink saw the password only inside TLS, as AUTH
        self.assertTrue(all(a["tls"] for a in sink.auth_attempts()))
