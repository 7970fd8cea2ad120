"""Outages (issue 12, point 2): the IMAP server gone for a while, the SMTP
server gone for several retry cycles, the database locked by another
process, the disk of the database full. Each time the daemon keeps
running, waits without spinning (its CPU time is measured while it
waits), loses nothing and takes nothing twice, and carries on when the
trouble is over.

TICKETD_OUTAGE_SECS sets how long the IMAP server stays away (20 s by
default, to keep the suite short; the issue's minute with 60)."""

import contextlib
import os
import re
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import DeskTest, make_mail, parse_mail, wait_until

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def message_id(raw):
    m = re.search(rb"^Message-ID:\s*<([^>]*)>", raw, re.I | re.M)
    return m.group(1).decode() if m else None


class Outage(DeskTest):

    def setUp(self):
        super().setUp()
        self.dove = self.start_dovecot()
        self.sink = self.start_sink()

    def desk_with(self, init=True, **conf):
        c = {"imap": {"poll_interval": "60"},
             "helpdesk": {"admins": "bob@corp.example",
                          "max_notices_per_hour": "1000"}}
        for sec, kv in conf.items():
            c.setdefault(sec, {}).update(kv)
        return self.make_desk(self.dove, self.sink, conf=c, init=init)

    def ready(self, desk):
        wait_until(lambda: "Processed" in self.dove.folders(), 30,
                   what="the daemon to connect")
        time.sleep(0.5)

    def assert_idle_cpu(self, desk, secs, limit):
        """Over secs of waiting, the daemon uses less than limit CPU s."""
        c0 = cpu_seconds(desk.daemon.pid)
        time.sleep(secs)
        used = cpu_seconds(desk.daemon.pid) - c0
        print("# %.2f s of CPU in %.0f s of waiting" % (used, secs))
        self.assertLess(used, limit, "the daemon spins while it waits")
        self.assertIsNone(desk.daemon.poll(), "ticketd exited")


class ImapDown(Outage):

    def test_imap_down_mail_keeps_coming(self):
        secs = float(os.environ.get("TICKETD_OUTAGE_SECS") or 20)
        desk = self.desk_with()
        desk.start()
        self.ready(desk)
        self.dove.append(make_mail(subject="Before the outage"))
        wait_until(lambda: desk.ticket_count() == 1, 20, what="ticket 1")
        wait_until(lambda: self.dove.count("INBOX") == 0, 20,
                   what="the first mail moved")
        self.dove.stop()
        t0 = time.monotonic()
        # the MTA pipe still works while the mailbox is away
        desk.stdin(make_mail(subject="Piped during the outage"), check=0)
        later = [make_mail(subject="Arrived during the outage %d" % i,
                           sender="u%d@corp.example" % i) for i in range(20)]
        self.assert_idle_cpu(desk, max(5.0, secs - (time.monotonic() - t0)
                                       - 1), 1.0)
        log = desk.daemon_log()
        self.assertIn("will retry", log)
        self.dove.start()
        # what arrived meanwhile is delivered once the server is back
        self.dove.append_many(later)
        t1 = time.monotonic()
        wait_until(lambda: desk.ticket_count() == 22, 60, interval=0.5,
                   what="the mail that arrived during the outage")
        print("# outage %.0fs; everything in %.1fs after it ended"
              % (t1 - t0, time.monotonic() - t1))
        wait_until(lambda: self.dove.count("INBOX") == 0, 20,
                   what="an empty inbox")
        wait_until(lambda: self.sink.count() == 2 * 22, 30,
                   what="every ack and assignment notice")
        self.assertEqual(desk.stop(), 0)
        ids = {message_id(raw) for _, raw in self.dove.fetch("Processed")}
        self.assertEqual(len(ids), 21)
        self.assertEqual(desk.scalar("SELECT count(*) FROM mails"), 22)


class SmtpDown(Outage):

    def setUp(self):
        super().setUp()
        os.environ["TICKETD_TEST_RETRY_SECS"] = "1"
        self.addCleanup(os.environ.pop, "TICKETD_TEST_RETRY_SECS", None)

    def test_smtp_down_several_cycles(self):
        """Down for 4+ retry cycles (1, 2, 4, 8 s here; 30 s, 1, 2, 4 min
        in real life): no attempt between them, nothing sent twice, every
        notice sent once it is back, in order for each recipient."""
        self.sink.stop()
        desk = self.desk_with()
        desk.start()
        self.ready(desk)
        # three tickets from alice and two from erin: acks to each, and
        # assignment notices to bob, all while the server is down
        for i in range(3):
            self.dove.append(make_mail(subject="Alice %d" % i))
            self.dove.append(make_mail(subject="Erin %d" % i,
                                       sender="erin@corp.example",
                                       name="Erin"))
        wait_until(lambda: desk.ticket_count() == 6, 20, what="6 tickets")
        # one attempt a cycle (of whichever notice is due first)
        wait_until(lambda: desk.scalar("SELECT sum(attempts) FROM outbox")
                   >= 4, 40, what="four retry cycles")
        before = desk.scalar("SELECT sum(attempts) FROM outbox")
        self.assert_idle_cpu(desk, 6, 0.5)
        # one try per cycle, not one per notice: at most a couple more
        tries = desk.scalar("SELECT sum(attempts) FROM outbox") - before
        self.assertLessEqual(tries, 2)
        self.assertEqual(desk.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'pending'"), 12)
        self.sink.start()
        t0 = time.monotonic()
        wait_until(lambda: self.sink.count() == 12, 40, interval=0.5,
                   what="every notice after the server came back")
        print("# all sent %.1fs after the server came back"
              % (time.monotonic() - t0))
        self.assertEqual(desk.stop(), 0)
        rows = {r["message_id"]: r for r in desk.outbox()}
        self.assertTrue(all(r["status"] == "sent" for r in rows.values()))
        got = {}
        for env, raw in self.sink.messages():
            got.setdefault(env["rcpt_tos"][0], []).append(
                rows[message_id(raw)]["id"])
        self.assertEqual(sorted(got), ["alice@corp.example",
                                       "bob@corp.example",
                                       "erin@corp.example"])
        for rcpt, ids in got.items():
            self.assertEqual(ids, sorted(ids),
                             "%s got their notices out of order" % rcpt)
        self.assertEqual(sum(len(v) for v in got.values()), 12)


class DatabaseLocked(Outage):

    def hold_lock(self, db, mode="IMMEDIATE"):
        """Another process holds the database's write lock until a line
        comes on its standard input."""
        code = ("import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1], timeout=30, "
                "isolation_level=None)\n"
                "c.execute('BEGIN %s')\n"
                "print('locked', flush=True)\n"
                "sys.stdin.readline()\n"
                "c.execute('ROLLBACK')\n" % mode)
        p = subprocess.Popen(["/usr/bin/python3", "-c", code, db],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        self.assertEqual(p.stdout.readline().strip(), b"locked")
        return p

    def test_locked_by_a_writer(self):
        desk = self.desk_with()
        desk.start()
        self.ready(desk)
        p = self.hold_lock(desk.db)
        self.dove.append(make_mail(subject="Printer on floor 2"))
        # MTA pipe mode: a temporary failure, the MTA keeps the mail
        r = desk.stdin(make_mail(subject="Printer on floor 3"))
        self.assertEqual(r.rc, 75)
        # processing waits: the mail is still in the inbox, nobody heard
        # of an error
        wait_until(lambda: desk.daemon_log().count("intake paused") >= 2,
                   60, what="the daemon to try twice")
        self.assertEqual(self.dove.count("INBOX"), 1)
        self.assertEqual(self.sink.count(), 0)
        self.assertIsNone(desk.daemon.poll())
        p.stdin.write(b"go\n")
        p.stdin.close()
        p.wait()
        wait_until(lambda: desk.ticket_count() == 1, 60, interval=0.5,
                   what="the ticket once the lock is gone")
        wait_until(lambda: self.sink.count() == 2, 20, what="ack and "
                   "assignment notice")
        self.assertEqual(desk.stop(), 0)
        self.assertIn("intake paused", desk.daemon_log())
        for env, raw in self.sink.messages():
            text = parse_mail(raw).get_body(("plain",)).get_content()
            self.assertNotRegex(text.lower(), r"database|locked|error")
        self.assertEqual(desk.scalar("SELECT count(*) FROM mails"), 1)

    def test_long_reader_and_a_backup(self):
        """A long read transaction and a page-by-page backup do not stop
        the desk (WAL: readers never block the writer)."""
        desk = self.desk_with()
        desk.start()
        self.ready(desk)
        reader = sqlite3.connect(desk.db, timeout=30, isolation_level=None)
        self.addCleanup(reader.close)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM tickets").fetchone()
        stop = threading.Event()
        backups = []

        def backup():
            while not stop.is_set():
                dst = sqlite3.connect(os.path.join(self.tmp, "backup.db"))
                src = sqlite3.connect(desk.db, timeout=30)
                src.backup(dst, pages=1, sleep=0.01,
                           progress=lambda *a: stop.is_set() and None)
                src.close()
                dst.close()
                backups.append(1)
        th = threading.Thread(target=backup)
        th.start()
        self.addCleanup(th.join)
        self.addCleanup(stop.set)
        self.dove.append_many([make_mail(subject="During a backup %d" % i,
                                         sender="u%d@corp.example" % i)
                               for i in range(30)])
        wait_until(lambda: desk.ticket_count() == 30, 60, interval=0.5,
                   what="30 tickets while reading and backing up")
        wait_until(lambda: self.sink.count() == 60, 30, what="60 notices")
        stop.set()
        th.join()
        reader.execute("ROLLBACK")
        self.assertGreater(len(backups), 0)
        self.assertEqual(desk.stop(), 0)
        self.assertNotIn("intake paused", desk.daemon_log())
        self.assertEqual(desk.scalar("PRAGMA integrity_check"), "ok")

    def test_ticketctl_backup_during_intake(self):
        """`ticketctl backup` run again and again while mail streams in:
        every backup is whole and sound, the desk never pauses, and no
        one hears of it."""
        desk = self.desk_with()
        desk.start()
        self.ready(desk)
        stop = threading.Event()
        backups = []

        def backup():
            n = 0
            while not stop.is_set():
                n += 1
                dst = os.path.join(self.tmp, "backup-%03d.db" % n)
                r = desk.ctl("backup", dst, check=None)
                backups.append((dst, r.rc, r.stderr))
        th = threading.Thread(target=backup)
        th.start()
        self.addCleanup(th.join)
        self.addCleanup(stop.set)
        for i in range(30):
            self.dove.append(make_mail(subject="Streamed mail %d"
                                       % i, sender="u%d@corp.example" % i))
            time.sleep(0.1)
        wait_until(lambda: desk.ticket_count() == 30, 60, interval=0.5,
                   what="30 tickets while ticketctl backs up")
        wait_until(lambda: self.sink.count() == 60, 30, what="60 notices")
        wait_until(lambda: len(backups) >= 3, 60, what="three backups")
        stop.set()
        th.join()
        print("# %d backups by ticketctl during the intake" % len(backups))
        for dst, rc, err in backups:
            self.assertEqual(rc, 0, err)
            con = sqlite3.connect(dst)
            self.assertEqual(con.execute("PRAGMA integrity_check")
                             .fetchone()[0], "ok")
            con.close()
        self.assertEqual(desk.stop(), 0)
        log = desk.daemon_log()
        self.assertNotIn("intake paused", log)
        self.assertNotIn("outbox: database", log)
        for env, raw in self.sink.messages():
            text = parse_mail(raw).get_body(("plain",)).get_content()
            self.assertNotRegex(text.lower(), r"database|locked|ticketctl")
        self.assertEqual(desk.scalar("SELECT count(*) FROM mails"), 30)


class DiskFull(Outage):

    def setUp(self):
        super().setUp()
        self.mnt = os.path.join(self.tmp, "dbdir")
        os.makedirs(self.mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755",
                            "tmpfs", self.mnt], capture_output=True)
        if r.returncode != 0:
            raise unittest.SkipTest("cannot mount a small tmpfs: %s"
                                    % r.stderr.decode().strip())
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt])

    def fill(self):
        """Fill the file system; returns the filler's path."""
        path = os.path.join(self.mnt, "filler")
        chunk = b"\0" * 65536
        with open(path, "wb") as f:
            with contextlib.suppress(OSError):
                while True:
                    f.write(chunk)
                    f.flush()
        with contextlib.suppress(OSError):
            with open(path, "ab") as f:
                while True:
                    f.write(b"\0" * 512)
                    f.flush()
        return path

    def test_disk_full(self):
        desk = self.desk_with(init=False, helpdesk={
            "database": os.path.join(self.mnt, "ticketd.db")})
        desk.db = os.path.join(self.mnt, "ticketd.db")
        desk.init()
        desk.start()
        self.ready(desk)
        self.dove.append(make_mail(subject="Before the disk filled"))
        wait_until(lambda: desk.ticket_count() == 1, 20, what="ticket 1")
        wait_until(lambda: self.sink.count() == 2, 20, what="2 notices")
        filler = self.fill()
        big = "x" * 60000 + "\n"
        self.dove.append_many([make_mail(subject="Full disk %d" % i,
                                         sender="u%d@corp.example" % i,
                                         body=big) for i in range(10)])
        # the mail stays in the mailbox, the daemon says why and waits
        wait_until(lambda: "intake paused" in desk.daemon_log(), 30,
                   what="the log line")
        self.assertRegex(desk.daemon_log(), r"intake paused: the database "
                         r"cannot take mail \([^)]*full")
        self.assert_idle_cpu(desk, 4, 1.0)
        self.assertEqual(self.dove.count("INBOX"), 10)
        self.assertEqual(desk.ticket_count(), 1)
        # space again: it carries on by itself
        os.unlink(filler)
        t0 = time.monotonic()
        wait_until(lambda: desk.ticket_count() == 11, 60, interval=0.5,
                   what="the mail once there is space")
        print("# resumed %.1fs after space came back"
              % (time.monotonic() - t0))
        wait_until(lambda: self.dove.count("INBOX") == 0, 20,
                   what="an empty inbox")
        wait_until(lambda: self.sink.count() == 22, 30, what="22 notices")
        self.assertEqual(desk.stop(), 0)
        # nothing half-written: sound, each mail once, each notice once
        self.assertEqual(desk.scalar("PRAGMA integrity_check"), "ok")
        self.assertEqual(desk.scalar("SELECT count(*) FROM mails"), 11)
        self.assertEqual(desk.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'sent'"), 22)
        self.assertEqual(len({message_id(raw) for _, raw in
                              self.sink.messages()}), 22)
