"""Replies thread into their ticket; automatic mail is never answered;
attachments are kept once; notices are rate-limited. Mails are made with
Python's email package and piped through `ticketd --stdin` (the threading
rules are the same for IMAP; test_intake covers that path)."""

import email.message
import email.utils
import sqlite3

from harness import DESK_ADDR, DeskTest, make_mail, parse_mail

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f"
       b"\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def reply(subject, body, sender="alice@corp.example", name="Alice Example",
          in_reply_to=None, references=(), to=DESK_ADDR, cc=None,
          headers=()):
    m = email.message.EmailMessage()
    m["From"] = email.utils.formataddr((name, sender))
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
    if in_reply_to:
        m["In-Reply-To"] = "<%s>" % in_reply_to
    if references:
        m["References"] = " ".join("<%s>" % r for r in references)
    for k, v in headers:
        m[k] = v
    m.set_content(body)
    return bytes(m)


class Thread(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink)
        # ticket #1 by alice, acknowledged
        self.desk.stdin(make_mail(subject="Printer jams", msgid="orig-1@x"),
                        check=0)
        self.ack_id = self.desk.outbox()[0]["message_id"]

    def comments(self, n=1):
        return self.desk.query("SELECT c.*, p.email AS author FROM comments c "
                               "JOIN people p ON p.id = c.author_id "
                               "WHERE ticket_number = ? ORDER BY c.id", (n,))

    def participants(self, n=1):
        return {r["email"]: r["role"] for r in self.desk.query(
            "SELECT p.email, x.role FROM participants x JOIN people p "
            "ON p.id = x.person_id WHERE ticket_number = ?", (n,))}

    def test_reply_by_subject_tag_is_a_comment(self):
        body = ("It jams again, now on page 2.\n\n"
                "On Mon, 3 Jun 2024 at 10:00, IT help desk <it@corp.example> wrote:\n"
                "> we have received your request\n> and opened ticket #1\n\n"
                "-- \nAlice Example\nFinance\n")
        self.desk.stdin(reply("Re: [IT #1] Printer jams", body), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        c = self.comments()
        self.assertEqual(len(c), 1)
        self.assertEqual(c[0]["author"], "alice@corp.example")
        self.assertEqual(c[0]["body"].strip(), "It jams again, now on page 2.")
        self.assertIn("we have received your request", c[0]["full_body"])
        self.assertIn("Finance", c[0]["full_body"])
        # no acknowledgement for a comment
        self.assertEqual(len(self.desk.outbox()), 1)
        self.assertEqual(self.desk.mails()[-1]["ticket_number"], 1)
        ev = self.desk.query("SELECT kind FROM events WHERE ticket_number = 1")
        self.assertIn("commented", [e["kind"] for e in ev])

    def test_ticketctl_shows_stripped_and_full_comment(self):
        body = ("Still broken.\n\n"
                "Am 03.06.2024 um 10:00 schrieb IT help desk <it@corp.example>:\n"
                "> opened ticket #1\n")
        self.desk.stdin(reply("AW: [IT #1] Printer jams", body), check=0)
        short = self.desk.ctl("ticket", "show", "1").stdout
        full = self.desk.ctl("ticket", "show", "--full", "1").stdout
        self.assertIn("Still broken.", short)
        self.assertNotIn("opened ticket #1", short)
        self.assertIn("opened ticket #1", full)

    def test_prefixes_and_hand_typed_tags(self):
        subjects = ["AW: WG: Re: [IT #1] Printer jams", "RE: [it#1] jams",
                    "SV: [IT # 1] still", "Fwd: IT #1 again", "回复: [IT #1] 打印机",
                    "Rif: R: I: [IT #1] stampante"]
        for s in subjects:
            self.desk.stdin(reply(s, "more: " + s), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.comments()), len(subjects))

    def test_edited_subject_threads_by_in_reply_to(self):
        # a colleague who got the acknowledgement forwarded to her answers
        self.desk.stdin(reply("printer, another thing", "Also the toner.",
                              sender="carol@corp.example", name="Carol",
                              in_reply_to=self.ack_id), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual([c["author"] for c in self.comments()],
                         ["carol@corp.example"])
        self.assertEqual(self.participants().get("carol@corp.example"), "cc")

    def test_references_thread_too(self):
        self.desk.stdin(reply("new words", "by references",
                              references=["unrelated@x", self.ack_id]),
                        check=0)
        self.assertEqual(len(self.comments()), 1)

    def test_reply_to_a_comment_threads(self):
        first = reply("Re: [IT #1] Printer jams", "first reply")
        self.desk.stdin(first, check=0)
        first_id = parse_mail(first)["Message-ID"].strip("<> ")
        self.desk.stdin(reply("subject edited", "second reply",
                              in_reply_to=first_id), check=0)
        self.assertEqual(len(self.comments()), 2)

    def test_subaddress_threads(self):
        self.desk.stdin(reply("no tag at all", "via the sub-address",
                              to="it+1@corp.example"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.comments()), 1)

    def test_unknown_ticket_number_starts_new_ticket(self):
        self.desk.stdin(reply("Re: [IT #99] something", "who knows"), check=0)
        self.assertEqual(self.desk.ticket_count(), 2)
        self.assertEqual(self.comments(), [])

    def test_other_desk_tag_starts_new_ticket(self):
        self.desk.stdin(reply("Re: [HR #1] holidays", "wrong desk"), check=0)
        self.assertEqual(self.desk.ticket_count(), 2)
        self.assertEqual(self.comments(), [])

    def test_stranger_with_tag_gets_new_linked_ticket(self):
        # a colleague (allowed to use the desk) who is not on ticket #1
        self.desk.stdin(reply("Re: [IT #1] Printer jams", "let me in",
                              sender="mallory@corp.example",
                              name="Mallory"), check=0)
        self.assertEqual(self.desk.ticket_count(), 2)
        self.assertEqual(self.comments(), [])
        t2 = self.desk.query("SELECT * FROM tickets WHERE number = 2")[0]
        self.assertEqual(t2["linked_to"], 1)
        self.assertNotIn("mallory@corp.example", self.participants(1))
        acks = [parse_mail(m) for _, m in self.sink.messages()]
        ack2 = [a for a in acks if str(a["Subject"]).startswith("[IT #2]")][0]
        self.assertIn("#1", ack2.get_body(("plain",)).get_content())

    def test_admin_with_tag_may_comment(self):
        con = sqlite3.connect(self.desk.db)
        con.execute("INSERT INTO people (email, role, created_at) "
                    "VALUES ('bob@corp.example', 'admin', 0)")
        con.commit()
        con.close()
        self.desk.stdin(reply("Re: [IT #1] Printer jams", "Looking at it.",
                              sender="bob@corp.example", name="Bob"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual([c["author"] for c in self.comments()],
                         ["bob@corp.example"])

    def test_cc_colleagues_of_the_same_domain_join(self):
        self.desk.stdin(reply("New: monitor flickers", "Flicker.",
                              cc="Dan <dan@corp.example>, eve@other.example, "
                                 "it@corp.example"), check=0)
        p = self.participants(2)
        self.assertEqual(p.get("alice@corp.example"), "requester")
        self.assertEqual(p.get("dan@corp.example"), "cc")
        self.assertNotIn("eve@other.example", p)
        self.assertNotIn("it@corp.example", p)


class Automatic(DeskTest):
    """Never a ticket, never an answer."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink)

    def assertIgnored(self, raw, why):
        self.desk.stdin(raw, check=0)
        self.assertEqual(self.desk.ticket_count(), 0)
        self.assertEqual(self.desk.outbox(), [])
        m = self.desk.mails()[-1]
        self.assertEqual(m["disposition"], "ignored")
        self.assertIn(why, m["note"])

    def test_auto_submitted(self):
        self.assertIgnored(make_mail(headers=["Auto-Submitted: auto-replied"]),
                           "Auto-Submitted")

    def test_auto_submitted_no_is_a_person(self):
        self.desk.stdin(make_mail(headers=["Auto-Submitted: no"]), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_precedence_bulk_and_list(self):
        self.assertIgnored(make_mail(headers=["Precedence: bulk"]),
                           "Precedence")
        # list mail is never answered, and a ticket only when a person
        # wrote it to the desk (issue 7): this one is, the next is not
        self.desk.stdin(make_mail(headers=["X-Precedence: list"]), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual([r["status"] for r in self.desk.outbox()],
                         ["suppressed"])
        self.assertIn("never answered", self.desk.outbox()[0]["last_error"])
        self.desk.stdin(make_mail(headers=["Precedence: list"],
                                  to="users@lists.corp.example"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.desk.mails()[-1]["disposition"], "ignored")

    def test_x_autoreply_headers(self):
        self.assertIgnored(make_mail(headers=["X-Autoreply: yes"]),
                           "auto-reply header")
        self.assertIgnored(make_mail(headers=["X-Auto-Response-Suppress: All"]),
                           "auto-reply header")

    def test_vacation_subjects(self):
        for s in ("Out of Office: Printer jams", "Automatic reply: hello",
                  "Abwesenheitsnotiz: Drucker", "Réponse automatique : x"):
            self.assertIgnored(make_mail(subject=s), "out-of-office")
        # a person who mentions a vacation is a person
        self.desk.stdin(make_mail(subject="On vacation, no VPN"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_mailer_daemon_and_null_return_path(self):
        self.assertIgnored(make_mail(sender="MAILER-DAEMON@mx.corp.example",
                                     name=None), "mail system")
        self.assertIgnored(make_mail(headers=["Return-Path: <>"]),
                           "Return-Path")

    def test_own_address_and_x_loop(self):
        self.assertIgnored(make_mail(sender=DESK_ADDR), "own address")
        self.assertIgnored(make_mail(headers=["X-Loop: %s" % DESK_ADDR]),
                           "X-Loop")

    def test_bounce_of_our_notice_is_recorded(self):
        self.desk.stdin(make_mail(subject="Printer", sender="gone@corp.example"),
                        check=0)
        ack = self.desk.outbox()[0]
        dsn = (
            "From: MAILER-DAEMON@mx.corp.example\r\n"
            "To: it@corp.example\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <bounce-1@mx.corp.example>\r\n"
            "Return-Path: <>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;"
            " boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\n"
            "Your message could not be delivered.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.corp.example\r\n\r\n"
            "Final-Recipient: rfc822; gone@corp.example\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "From: IT help desk <it@corp.example>\r\n"
            "To: gone@corp.example\r\n"
            "Subject: [IT #1] Printer\r\n"
            "Message-ID: <%s>\r\n\r\n"
            "--b1--\r\n" % ack["message_id"]).encode()
        self.desk.stdin(dsn, check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        ob = self.desk.outbox()
        self.assertEqual(len(ob), 1)
        self.assertIsNotNone(ob[0]["bounced_at"])
        self.assertIsNotNone(self.desk.scalar(
            "SELECT bouncing_since FROM people WHERE email = ?",
            ("gone@corp.example",)))
        m = self.desk.mails()[-1]
        self.assertEqual(m["disposition"], "ignored")
        self.assertIn(ack["message_id"], m["note"])
        # when they write again they are not bouncing any more
        self.desk.stdin(make_mail(subject="Back", sender="gone@corp.example"),
                        check=0)
        self.assertIsNone(self.desk.scalar(
            "SELECT bouncing_since FROM people WHERE email = ?",
            ("gone@corp.example",)))
        self.assertEqual(len(self.desk.outbox()), 2)

    def test_notices_rate_limited_per_address(self):
        self.desk.conf["helpdesk"]["max_notices_per_hour"] = "2"
        self.desk.write_conf()
        for i in range(4):
            self.desk.stdin(make_mail(subject="robot %d" % i), check=0)
        self.assertEqual(self.desk.ticket_count(), 4)
        # two go out; the others are kept, never sent, with the reason
        self.assertEqual([r["status"] for r in self.desk.outbox()],
                         ["sent", "sent", "suppressed", "suppressed"])
        self.assertIn("max_notices_per_hour", self.desk.outbox()[3]["last_error"])
        self.assertEqual(len(self.sink.messages()), 2)
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM events WHERE kind = 'notice-suppressed'"), 2)


class Attachments(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"max_attachment_bytes": "4k"}})

    def mail_with(self, parts, subject="Screenshot"):
        m = email.message.EmailMessage()
        m["From"] = "Alice <alice@corp.example>"
        m["To"] = DESK_ADDR
        m["Subject"] = subject
        m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
        m.set_content("See the attachment.")
        for data, maintype, subtype, name in parts:
            m.add_attachment(data, maintype=maintype, subtype=subtype,
                             filename=name)
        return bytes(m)

    def test_image_kept_once_big_one_dropped_and_said(self):
        big = b"x" * 10000
        self.desk.stdin(self.mail_with([
            (PNG, "image", "png", "screen.png"),
            (big, "application", "zip", "logs.zip")]), check=0)
        a = self.desk.query("SELECT * FROM attachments ORDER BY id")
        self.assertEqual([(x["filename"], x["media_type"], x["size"],
                           x["is_image"], x["blob_id"] is not None)
                          for x in a],
                         [("screen.png", "image/png", len(PNG), 1, True),
                          ("logs.zip", "application/zip", len(big), 0, False)])
        self.assertIn("dropped", a[1]["note"])
        ack = parse_mail(self.sink.messages()[0][1])
        self.assertIn("logs.zip", ack.get_body(("plain",)).get_content())
        # the same image in a second mail is stored once
        self.desk.stdin(self.mail_with([(PNG, "image", "png", "again.png")],
                                       subject="Again"), check=0)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM blobs"), 1)
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM attachments"),
                         3)

    def test_image_judged_by_its_bytes(self):
        self.desk.stdin(self.mail_with([
            (PNG, "application", "octet-stream", "noext"),
            (b"MZ\x90\x00 not a picture", "image", "jpeg", "evil.jpg")]),
            check=0)
        a = self.desk.query("SELECT filename, is_image FROM attachments "
                            "ORDER BY id")
        self.assertEqual([(x["filename"], x["is_image"]) for x in a],
                         [("noext", 1), ("evil.jpg", 0)])

    def test_filename_sanitised(self):
        self.desk.stdin(self.mail_with([
            (b"data", "application", "octet-stream",
             "../../etc/pass\x01wd.txt")]), check=0)
        name = self.desk.scalar("SELECT filename FROM attachments")
        self.assertNotIn("/", name)
        self.assertNotIn("\x01", name)
        self.assertTrue(name.endswith("wd.txt"))

    def test_ticketctl_saves_an_attachment(self):
        self.desk.stdin(self.mail_with([(PNG, "image", "png", "s.png")]),
                        check=0)
        r = self.desk.ctl("attachment", "1")
        self.assertEqual(r.out, PNG)


class AutomaticOverImap(DeskTest):
    """The IMAP path: automatic mail leaves the inbox for Processed."""

    def test_auto_reply_moved_to_processed_unanswered(self):
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink)
        dove.append(make_mail(subject="Automatic reply: Printer"))
        dove.append(make_mail(subject="A real one"))
        desk.once()
        self.assertEqual(dove.count("INBOX"), 0)
        self.assertEqual(dove.count("Processed"), 2)
        self.assertEqual([t["subject"] for t in desk.tickets()], ["A real one"])
        self.assertEqual(len(sink.messages()), 1)
