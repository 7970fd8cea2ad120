"""Backup, restore and schema migration (issue 14, points 6 and 8).

`ticketctl backup FILE` copies the database with SQLite's online backup API
while the daemon takes mail; `ticketctl restore FILE` refuses a database a
running ticketd has open unless --force, keeps the database as it was, and
brings back every ticket and attachment. A database of schema 1 is
migrated at ticketd's start, in one transaction, after a copy of it was
kept beside it (DATABASE.bak-v1-TIME, mode 0600)."""

import email.message
import email.utils
import glob
import hashlib
import os
import shutil
import sqlite3
import stat
import threading
import time

import harness
from harness import REPO, DeskTest, make_mail, wait_until

V1_SCHEMA = os.path.join(REPO, "tests", "unit", "data", "schema_v1.sql")


def mail_with_attachment(i):
    m = email.message.EmailMessage()
    m["From"] = "User %d <user%d@corp.example>" % (i, i % 7)
    m["To"] = "it@corp.example"
    m["Subject"] = "Request %d with a screenshot" % i
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = "<backup-%d@client.corp.example>" % i
    m.set_content("Please look at request %d.\n" % i)
    m.add_attachment(os.urandom(2000 + i), maintype="image", subtype="png",
                     filename="screen-%d.png" % i)
    return m.as_bytes()


def snapshot(path):
    """Tickets and attachments of a database: what a restore must bring
    back, attachment bytes by their SHA-256."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tickets = con.execute("SELECT number, subject, status, body FROM "
                              "tickets ORDER BY number").fetchall()
        atts = [(t, n, hashlib.sha256(d).hexdigest())
                for t, n, d in con.execute(
                    "SELECT a.ticket_number, a.filename, b.data FROM "
                    "attachments a JOIN blobs b ON b.id = a.blob_id "
                    "ORDER BY a.id")]
        mails = con.execute("SELECT count(*) FROM mails").fetchone()[0]
        return tickets, atts, mails
    finally:
        con.close()


def check_whole(test, path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        test.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0],
                         "ok")
        test.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(),
                         [])
        # every ticket has its mail, every attachment its bytes
        test.assertEqual(con.execute(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM "
            "mails m WHERE m.ticket_number = t.number)").fetchone()[0], 0)
        test.assertEqual(con.execute(
            "SELECT count(*) FROM attachments WHERE blob_id IS NULL OR "
            "blob_id NOT IN (SELECT id FROM blobs)").fetchone()[0], 0)
        return con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        con.close()


class Backup(DeskTest):

    def setUp(self):
        super().setUp()
        self.dovecot = self.start_dovecot()
        self.sink = self.start_sink()
        self.desk = self.make_desk(self.dovecot, self.sink)

    def backup(self, name, check=0):
        path = os.path.join(self.tmp, name)
        return path, self.desk.ctl("backup", path, check=check)

    def test_backup_while_the_daemon_takes_mail(self):
        self.desk.start()
        n = 60
        done = threading.Event()

        def feed():
            try:
                for i in range(n):
                    self.dovecot.append(mail_with_attachment(i))
            finally:
                done.set()

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        wait_until(lambda: self.desk.ticket_count() >= 5, 60,
                   what="the first tickets")
        copies = []
        k = 0
        while not done.is_set() or not copies:
            path, r = self.backup("during-%d.db" % k)
            k += 1
            copies.append(path)
            self.assertIn("checked", r.stdout)
        t.join()
        wait_until(lambda: self.desk.ticket_count() == n, 120,
                   what="every mail taken in")
        counts = []
        for path in copies:
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            counts.append(check_whole(self, path))
        # copies of a database that grew while they were made
        self.assertGreaterEqual(counts[0], 5)
        self.assertEqual(counts, sorted(counts))
        self.assertLessEqual(counts[-1], n)

        # the last one: all of it; restored into a new desk, every ticket
        # and attachment is there, byte for byte
        final, r = self.backup("final.db")
        self.assertIn("%d ticket(s)" % n, r.stdout)
        self.desk.stop()
        before = snapshot(self.desk.db)
        self.assertEqual(len(before[1]), n)

        other = os.path.join(self.tmp, "elsewhere")
        os.mkdir(other)
        self.desk.conf["helpdesk"]["database"] = os.path.join(other, "new.db")
        self.desk.write_conf()
        r = self.desk.ctl("restore", final)
        self.assertIn("%d ticket(s)" % n, r.stdout)
        self.assertIn("%d attachment(s)" % n, r.stdout)
        restored = os.path.join(other, "new.db")
        self.assertEqual(stat.S_IMODE(os.stat(restored).st_mode), 0o600)
        self.assertEqual(snapshot(restored), before)
        # and the desk goes on from there
        self.desk.db = restored
        self.desk.stdin(make_mail(subject="After the restore"), check=0)
        self.assertEqual(self.desk.scalar("SELECT max(number) FROM tickets"),
                         n + 1)

    def test_restore_refuses_a_live_database(self):
        self.desk.stdin(mail_with_attachment(1), check=0)
        path, _ = self.backup("one.db")
        self.desk.stdin(mail_with_attachment(2), check=0)
        self.desk.start()
        wait_until(lambda: "imap: connected" in self.desk.daemon_log(), 20,
                   what="the daemon")
        r = self.desk.ctl("restore", path, check=1)
        self.assertIn("is in use by a running ticketd; stop it first",
                      r.stderr)
        self.assertEqual(self.desk.ticket_count(), 2)
        self.assertEqual(glob.glob(self.desk.db + ".bak-restore-*"), [])
        # --force: replaced under the running daemon, which goes on with
        # the restored data (SQLite sees the new pages at its next read)
        r = self.desk.ctl("restore", "--force", path)
        self.assertIn("a running ticketd had the database open", r.stdout)
        saved = glob.glob(self.desk.db + ".bak-restore-*")
        self.assertEqual(len(saved), 1)
        self.assertEqual(stat.S_IMODE(os.stat(saved[0]).st_mode), 0o600)
        self.assertEqual(check_whole(self, saved[0]), 2)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.dovecot.append(make_mail(subject="Third"))
        wait_until(lambda: self.desk.ticket_count() == 2, 30,
                   what="the next ticket")
        self.assertEqual(self.desk.scalar("SELECT max(number) FROM tickets"),
                         2)
        self.desk.stop()
        self.assertEqual(check_whole(self, self.desk.db), 2)
        # stopped: no --force needed
        self.desk.ctl("restore", path)
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_bad_backups_refused(self):
        self.desk.stdin(make_mail(subject="Keep me"), check=0)
        junk = os.path.join(self.tmp, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"not a database at all\n" * 100)
        r = self.desk.ctl("restore", junk, check=1)
        self.assertIn("file is not a database", r.stderr)
        other = os.path.join(self.tmp, "other.db")
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
        r = self.desk.ctl("restore", other, check=1)
        self.assertIn("not a ticketd database", r.stderr)
        r = self.desk.ctl("restore", os.path.join(self.tmp, "none.db"),
                          check=1)
        self.assertIn("No such file", r.stderr)
        self.assertEqual(self.desk.ticket_count(), 1)
        # a backup never replaces a file
        path, r = self.backup("exists.db")
        r = self.desk.ctl("backup", path, check=1)
        self.assertIn("File exists", r.stderr)
        r = self.desk.ctl("backup", check=64)


class Migration(DeskTest):
    """A desk made by the first ticketd (schema 1, tests/unit/data/
    schema_v1.sql) meets the current one."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, init=False)
        con = sqlite3.connect(self.desk.db)
        with open(V1_SCHEMA) as f:
            con.executescript(f.read())
        con.executescript(
            "PRAGMA user_version = 1;"
            "INSERT INTO people (email, name, created_at) VALUES "
            "  ('alice@corp.example', 'Alice', 10);"
            "INSERT INTO tickets (subject, body, requester_id, created_at,"
            "  updated_at) VALUES ('Old printer', 'It jams.', 1, 10, 10);"
            "INSERT INTO mails (message_id, received_at, source, size, raw,"
            "  disposition, ticket_number) VALUES ('old-1@corp.example', 10,"
            "  'imap', 3, X'616263', 'ticket', 1);")
        con.commit()
        con.close()
        os.chmod(self.desk.db, 0o600)
        with open(self.desk.db, "rb") as f:
            self.v1_bytes = f.read()

    def test_migrated_at_start_after_a_copy(self):
        r = self.desk.stdin(make_mail(subject="Re: [IT #1] Old printer",
                                      sender="alice@corp.example"), check=0)
        self.assertIn("kept a copy of the database at schema 1 as", r.stderr)
        copies = glob.glob(self.desk.db + ".bak-v1-*")
        self.assertEqual(len(copies), 1, copies)
        self.assertRegex(copies[0], r"\.bak-v1-\d{8}T\d{6}Z$")
        self.assertEqual(stat.S_IMODE(os.stat(copies[0]).st_mode), 0o600)
        # the copy is the database as it was, and works as one
        con = sqlite3.connect("file:%s?mode=ro" % copies[0], uri=True)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], 1)
        self.assertEqual(con.execute("SELECT subject FROM tickets")
                         .fetchall(), [("Old printer",)])
        con.close()
        # the database: current schema, the old ticket, the reply on it
        self.assertEqual(self.desk.scalar("PRAGMA user_version"),
                         harness.schema_version())
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM comments WHERE ticket_number = 1"), 1)
        # nothing more to do the next time: no second copy
        self.desk.stdin(make_mail(subject="New one"), check=0)
        self.assertEqual(len(glob.glob(self.desk.db + ".bak-*")), 1)
        self.assertEqual(self.desk.ticket_count(), 2)
        # a restore of the copy goes back to schema 1, migrated again later
        r = self.desk.ctl("restore", copies[0])
        self.assertIn("ticketd migrates it at its next start", r.stdout)
        self.assertEqual(self.desk.scalar("PRAGMA user_version"), 1)

    def test_failed_step_changes_nothing(self):
        # a table in the way of the last step (6 -> 7): the five steps
        # before it ran in the same transaction, so they are undone too
        con = sqlite3.connect(self.desk.db)
        con.execute("CREATE TABLE classifier_model (in_the_way)")
        con.commit()
        con.close()
        r = self.desk.stdin(make_mail(subject="Waits"), check=75)
        self.assertRegex(r.stderr, r"migrating schema 1 -> %d: table "
                         r"classifier_model already exists; nothing "
                         r"changed \(the copy .*\.bak-v1-\d{8}T\d{6}Z is "
                         r"there too\)" % harness.schema_version())
        self.assertEqual(self.desk.scalar("PRAGMA user_version"), 1)
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM sqlite_master WHERE name IN "
            "('comments', 'participants', 'articles')"), 0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(glob.glob(self.desk.db + ".bak-v1-*")), 1)

    def test_no_copy_no_migration(self):
        # every name the copy could take in the next seconds is taken: no
        # copy, so no migration; the MTA is told to try again (75)
        now = time.time()
        for t in range(int(now) - 2, int(now) + 30):
            name = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
            with open(self.desk.db + ".bak-v1-" + name, "w") as f:
                f.write("in the way\n")
        r = self.desk.stdin(make_mail(subject="Waits"), check=75)
        self.assertIn("schema 1 not migrated: no copy of the database could "
                      "be kept before", r.stderr)
        self.assertIn("File exists", r.stderr)
        with open(self.desk.db, "rb") as f:
            self.assertEqual(f.read(), self.v1_bytes)
        # read-only commands never migrate
        r = self.desk.ctl("ticket", "list", check=1)
        self.assertIn("start ticketd once to migrate it", r.stderr)
