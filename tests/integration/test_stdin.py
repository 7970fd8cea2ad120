"""MTA pipe mode: `ticketd --stdin < mail`."""

import os
import sqlite3

from harness import DeskTest, make_mail, parse_mail

EX_TEMPFAIL = 75
EX_DATAERR = 65


class Stdin(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        # no Dovecot: pipe mode must not need the IMAP server
        self.desk = self.make_desk(None, self.sink)

    def test_stdin_ticket_and_ack(self):
        msgid = "stdin-1@client.corp.example"
        raw = make_mail(subject="Via the MTA", msgid=msgid)
        self.desk.stdin(raw, check=0)
        t = self.desk.tickets()
        self.assertEqual(len(t), 1)
        self.assertEqual(t[0]["number"], 1)
        self.assertEqual(t[0]["subject"], "Via the MTA")
        m = self.desk.mails()
        self.assertEqual(m[0]["source"], "stdin")
        self.assertEqual(m[0]["message_id"], msgid)
        self.assertEqual(bytes(m[0]["raw"]), raw)
        # the notice was sent before ticketd exited
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        ack = parse_mail(msgs[0][1])
        self.assertEqual(str(ack["Subject"]), "[IT #1] Via the MTA")
        self.assertEqual(str(ack["In-Reply-To"]).strip(), "<%s>" % msgid)
        self.assertEqual(self.desk.outbox()[0]["status"], "sent")

        # the same mail again: no new ticket, still exit 0, no second ack
        self.desk.stdin(raw, check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.sink.messages()), 1)

    def test_stdin_lf_line_ends(self):
        # an MTA may pipe the mail with LF line ends
        raw = make_mail(subject="LF only").replace(b"\r\n", b"\n")
        self.desk.stdin(raw, check=0)
        t = self.desk.tickets()
        self.assertEqual([x["subject"] for x in t], ["LF only"])

    def test_stdin_smtp_down_keeps_notice(self):
        self.sink.stop()
        self.desk.stdin(make_mail(subject="SMTP down in pipe mode"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        ob = self.desk.outbox()
        self.assertEqual(ob[0]["status"], "pending")
        self.assertTrue(ob[0]["last_error"])
        self.sink.start()
        self.desk.stdin(make_mail(subject="Second one, SMTP up"), check=0)
        # at least the new notice went out; --once sends the rest
        self.assertGreaterEqual(len(self.sink.messages()), 1)

    def test_stdin_odd_mails_exit_zero(self):
        for raw in (b"", b"\x00\x01\x02 garbage \xff\xfe\x00",
                    make_mail(subject="No sender", sender=None),
                    b"Subject: only a subject\r\n"):
            r = self.desk.stdin(raw)
            self.assertNotEqual(r.rc, EX_DATAERR, "exit 65 for an odd mail")
            self.assertEqual(r.rc, 0)
        self.assertEqual(self.desk.ticket_count(), 0)
        self.assertEqual(len(self.sink.messages()), 0)
        self.assertEqual(
            self.desk.scalar("SELECT count(*) FROM mails WHERE disposition = 'failed'"),
            4)

    def test_stdin_database_missing(self):
        os.unlink(self.desk.db)
        r = self.desk.stdin(make_mail(subject="No database"))
        self.assertEqual(r.rc, EX_TEMPFAIL)
        self.assertFalse(os.path.exists(self.desk.db),
                         "--stdin created a database")
        self.assertEqual(len(self.sink.messages()), 0)

    def test_stdin_database_busy(self):
        # another writer holds the database: tell the MTA to try later
        con = sqlite3.connect(self.desk.db, timeout=1, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            r = self.desk.stdin(make_mail(subject="Busy"), timeout=120)
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(r.rc, EX_TEMPFAIL)
        self.assertEqual(self.desk.ticket_count(), 0)
        # and it works once the lock is gone
        self.desk.stdin(make_mail(subject="Not busy"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
