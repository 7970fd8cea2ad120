"""ticketctl import (issue 14, point 7): an old shared inbox, as an mbox or a
Maildir, replayed as if it had arrived: requests become tickets, replies
are threaded into them, automatic mail is not a ticket; by Message-ID a
second run adds nothing; no notice is sent (they are kept as suppressed)
unless --notify; a progress line on a terminal, none otherwise, and a
summary at the end."""

import email.message
import email.utils
import mailbox
import os
import pty
import select
import subprocess
import time

from harness import DeskTest, bin_dir, make_mail, sanitizer_env, \
    check_sanitizer


def old_inbox():
    """Real-looking mails of a shared inbox, oldest first: three requests,
    two replies (by In-Reply-To/References, one of them by a colleague),
    an out-of-office reply, one with an attachment, one whose body has a
    line starting with "From " (quoted in an mbox) and one without a
    Message-ID."""
    mails = []

    def mail(n, sender, name, subject, body, **kw):
        m = email.message.EmailMessage()
        m["From"] = email.utils.formataddr((name, sender))
        m["To"] = "IT <it@corp.example>"
        m["Subject"] = subject
        m["Date"] = email.utils.formatdate(1780000000 + n * 3600)
        if kw.get("msgid", True):
            m["Message-ID"] = "<old-%d@mail.corp.example>" % n
        if kw.get("reply_to"):
            m["In-Reply-To"] = "<old-%d@mail.corp.example>" % kw["reply_to"]
            m["References"] = "<old-%d@mail.corp.example>" % kw["reply_to"]
        for h, v in kw.get("headers", ()):
            m[h] = v
        m.set_content(body)
        if kw.get("attach"):
            m.add_attachment(b"%PDF-1.4 invoice\n" * 50,
                             maintype="application", subtype="pdf",
                             filename="invoice.pdf")
        mails.append(m.as_bytes())

    mail(1, "alice@corp.example", "Alice Example",
         "Printer on the 3rd floor jams",
         "Hi,\n\nthe printer jams on every page.\n\nAlice\n")
    mail(2, "bruno@corp.example", "Bruno Müller", "VPN error 809",
         "From home the VPN says error 809.\nFrom the office it works.\n")
    mail(3, "alice@corp.example", "Alice Example",
         "Re: Printer on the 3rd floor jams",
         "It also smells burnt now.\n\n> the printer jams\n", reply_to=1)
    mail(4, "chen@corp.example", "Chen Wei", "Invoice for the new laptop",
         "Attached.\n", attach=True)
    mail(5, "bruno@corp.example", "Bruno Müller",
         "Automatic reply: VPN error 809", "I am out until Monday.\n",
         headers=[("Auto-Submitted", "auto-replied")])
    mail(6, "dana@corp.example", "Dana", "Re: VPN error 809",
         "Same here since the update.\n", reply_to=2)
    mail(7, "erin@corp.example", "Erin", "Mouse broken",
         "The left button is dead.\n", msgid=False)
    return mails


class Import(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink)
        self.mails = old_inbox()

    def write_mbox(self, mails, name="old.mbox"):
        path = os.path.join(self.tmp, name)
        box = mailbox.mbox(path)
        for raw in mails:
            box.add(mailbox.mboxMessage(raw))
        box.flush()
        box.close()
        return path

    def write_maildir(self, mails, name="Maildir"):
        path = os.path.join(self.tmp, name)
        box = mailbox.Maildir(path)
        for i, raw in enumerate(mails):
            key = box.add(mailbox.MaildirMessage(raw))
            # delivery times in order, as a real Maildir's names have them
            sub = "new" if i % 2 else "cur"
            src = os.path.join(path, "new", key)
            dst = os.path.join(path, sub, "%d.M%dP1.host%s" % (
                1780000000 + i, i, ":2,S" if sub == "cur" else ""))
            os.rename(src, dst)
        # not mail: dot files and a subdirectory
        with open(os.path.join(path, "cur", ".hidden"), "w") as f:
            f.write("not a mail")
        os.mkdir(os.path.join(path, "cur", "sub"))
        return path

    def check_imported(self, r):
        self.assertIn("7 mail(s) read", r.stdout)
        self.assertIn("4 new ticket(s), 2 threaded into tickets, 0 already "
                      "there, 1 not tickets", r.stdout)
        t = {x["number"]: x for x in self.desk.tickets()}
        self.assertEqual([t[n]["subject"] for n in sorted(t)],
                         ["Printer on the 3rd floor jams", "VPN error 809",
                          "Invoice for the new laptop", "Mouse broken"])
        # alice's reply is a comment on #1, quoted text left out; dana's
        # (she quoted #2's mail, so she is on it now) one on #2
        comments = self.desk.query("SELECT ticket_number, body FROM comments "
                                   "ORDER BY id")
        self.assertEqual([c["ticket_number"] for c in comments], [1, 2])
        self.assertIn("smells burnt", comments[0]["body"])
        self.assertNotIn("the printer jams", comments[0]["body"])
        self.assertIn("Same here", comments[1]["body"])
        # the "From " lines of Bruno's mail are his again, not ">From "
        self.assertIn("\nFrom the office it works.", t[2]["body"])
        self.assertTrue(t[2]["body"].startswith("From home"), t[2]["body"])
        # the attachment, byte for byte
        self.assertEqual(self.desk.scalar(
            "SELECT b.size FROM attachments a JOIN blobs b ON b.id = "
            "a.blob_id WHERE a.ticket_number = 3"), 17 * 50)
        self.assertEqual(self.desk.scalar(
            "SELECT filename FROM attachments WHERE ticket_number = 3"),
            "invoice.pdf")
        # the out-of-office reply is kept, not a ticket
        self.assertEqual(self.desk.scalar(
            "SELECT disposition FROM mails WHERE message_id = "
            "'old-5@mail.corp.example'"), "ignored")

    def no_notice_sent(self):
        rows = self.desk.outbox()
        self.assertTrue(rows)
        self.assertEqual({r["status"] for r in rows}, {"suppressed"})
        self.assertTrue(all("ticketctl import" in r["last_error"]
                            for r in rows))
        # and the daemon does not send them either
        self.desk.run("ticketd", ["--once"], check=None)
        self.assertEqual(self.sink.messages(), [])

    def test_mbox_twice(self):
        path = self.write_mbox(self.mails)
        with open(path, "rb") as f:
            self.assertIn(b"\n>From the office", f.read())
        r = self.desk.ctl("import", "--mbox", path)
        self.check_imported(r)
        self.assertIn("no notices were sent", r.stdout)
        # not a terminal: no progress line
        self.assertNotIn("ETA", r.stderr)
        self.assertNotIn("\r", r.stderr)
        # again: by Message-ID (or the hash of a mail without one) nothing
        # new
        r = self.desk.ctl("import", "--mbox", path)
        self.assertIn("0 new ticket(s), 0 threaded into tickets, 7 already "
                      "there", r.stdout)
        self.assertEqual(self.desk.ticket_count(), 4)
        self.no_notice_sent()

    def test_maildir_twice(self):
        path = self.write_maildir(self.mails)
        r = self.desk.ctl("import", "--maildir", path)
        self.check_imported(r)
        r = self.desk.ctl("import", "--maildir", path)
        self.assertIn("7 already there", r.stdout)
        self.assertEqual(self.desk.ticket_count(), 4)
        self.no_notice_sent()
        # nothing written where the mails are
        self.assertFalse(os.path.exists(os.path.join(path, "maildirfolder")))

    def test_notify(self):
        path = self.write_mbox(self.mails)
        r = self.desk.ctl("import", "--notify", "--mbox", path)
        self.assertIn("notices are queued: the daemon sends them", r.stdout)
        pending = [x for x in self.desk.outbox() if x["status"] == "pending"]
        self.assertEqual({x["kind"] for x in pending}, {"ack", "comment"})
        self.desk.run("ticketd", ["--once"], check=None)
        rcpts = sorted(e["rcpt_tos"][0] for e, _ in self.sink.messages())
        self.assertIn("alice@corp.example", rcpts)
        self.assertIn("chen@corp.example", rcpts)
        # the out-of-office reply got nothing
        self.assertEqual(self.desk.ticket_count(), 4)

    def test_live_desk_goes_on(self):
        # a mail that arrives after the import threads into an imported
        # ticket by its Message-ID
        self.desk.ctl("import", "--mbox", self.write_mbox(self.mails))
        raw = make_mail(subject="Re: Mouse broken", sender="alice@corp.example",
                        headers=["In-Reply-To: <old-1@mail.corp.example>"])
        self.desk.stdin(raw, check=0)
        self.assertEqual(self.desk.ticket_count(), 4)
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM comments WHERE ticket_number = 1"), 2)

    def test_too_big_and_broken_input(self):
        big = make_mail(subject="Core dump", body="x" * 5000 + "\n")
        self.desk.conf["helpdesk"]["max_mail_bytes"] = "4k"
        self.desk.write_conf()
        path = self.write_mbox([self.mails[0], big, self.mails[1]])
        r = self.desk.ctl("import", "--mbox", path, check=1)
        self.assertIn("old.mbox, mail 2: ", r.stderr)
        self.assertIn("over max_mail_bytes (4096); not imported", r.stderr)
        self.assertIn("not imported: 1 over max_mail_bytes", r.stdout)
        self.assertEqual(self.desk.ticket_count(), 2)
        # an empty mbox, a file that is no mbox, no Maildir
        empty = os.path.join(self.tmp, "empty.mbox")
        open(empty, "w").close()
        r = self.desk.ctl("import", "--mbox", empty)
        self.assertIn("0 mail(s) read", r.stdout)
        junk = os.path.join(self.tmp, "junk")
        with open(junk, "wb") as f:
            f.write(b"\x00\xff garbage without headers\n" * 10)
        r = self.desk.ctl("import", "--mbox", junk, check=None)
        self.assertIn("1 mail(s) read", r.stdout)
        r = self.desk.ctl("import", "--maildir", self.tmp, check=1)
        self.assertIn("(a Maildir has cur/, new/ and tmp/)", r.stderr)
        r = self.desk.ctl("import", "--mbox", self.tmp, check=1)
        self.assertIn("not a regular file", r.stderr)
        self.desk.ctl("import", check=64)
        self.desk.ctl("import", "--mbox", path, "--maildir", path, check=64)

    def test_progress_on_a_terminal(self):
        # enough mails for several updates, and two batches (200 a batch)
        mails = [make_mail(subject="Bulk %d" % i, sender="u%d@corp.example"
                           % (i % 50)) for i in range(450)]
        path = self.write_mbox(mails)
        self.desk.conf["helpdesk"]["max_new_tickets_per_hour"] = "1"
        self.desk.write_conf()
        master, slave = pty.openpty()
        argv = [os.path.join(bin_dir(), "ticketctl"), "-c", self.desk.path,
                "import", "--mbox", path]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave,
                             stdin=subprocess.DEVNULL, env=sanitizer_env(),
                             cwd=self.tmp)
        os.close(slave)
        seen = b""
        end = time.monotonic() + 120
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif p.poll() is not None:
                break
        out = p.stdout.read().decode()
        p.wait(timeout=30)
        os.close(master)
        text = seen.decode("utf-8", "replace")
        check_sanitizer(text + out, "ticketctl import")
        self.assertEqual(p.returncode, 0, text + out)
        # count, share, rate and time left, rewritten in place
        self.assertRegex(text, r"\r  \d+/450 mails \(\d+%\)  \d+/s  "
                         r"ETA \d+:\d\d ")
        self.assertIn("450 mail(s) read", out)
        self.assertIn("450 new ticket(s)", out)
        # an import is no flood: max_new_tickets_per_hour holds nothing back
        self.assertEqual(self.desk.ticket_count(), 450)
