"""Control mails and admin replies written the way people write mail
(issue 7, point 2): a greeting before the commands, a sign-off, a
signature or quoted text after them, sent through `ticketd --stdin` and
read back from the database and the transcript in the outbox."""

from harness import DeskTest, make_mail, parse_mail

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}
ROOT = "root@corp.example"


class ControlMail(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": ROOT,
                         "admins": "bob@corp.example, carol@corp.example",
                         "max_notices_per_hour": "1000"},
            "categories": CATS})
        # ticket #1 from alice, assigned to bob
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)
        self.assertEqual(self.assignee(), "bob@corp.example")

    def assignee(self, n=1):
        return self.desk.scalar(
            "SELECT p.email FROM tickets t LEFT JOIN people p "
            "ON p.id = t.assignee_id WHERE t.number = ?", (n,))

    def person(self, email, col):
        return self.desk.scalar("SELECT %s FROM people WHERE email = ?" % col,
                                (email,))

    def control(self, body, who=ROOT):
        self.desk.stdin(make_mail(subject="control", sender=who, name=None,
                                  body=body), check=0)

    def transcript(self, who=ROOT):
        """The last transcript to who: its text part, and the message."""
        rows = [r for r in self.desk.outbox()
                if r["kind"] == "transcript" and r["rcpt_to"] == who]
        self.assertTrue(rows, "no transcript to %s" % who)
        m = parse_mail(rows[-1]["message"])
        return m.get_body(("plain",)).get_content().replace("\r\n", "\n"), m

    def test_greeting_commands_thanks_signature_applied(self):
        self.control("Hi team,\n\n"
                     "reassign 1 carol@corp.example\n"
                     "skills bob@corp.example network, software\n\n"
                     "Thanks!\n"
                     "-- \n"
                     "Root Admin\n"
                     "IT department, 3rd floor\n")
        self.assertEqual(self.assignee(), "carol@corp.example")
        self.assertEqual(self.person("bob@corp.example", "skills"),
                         "network, software")
        text, m = self.transcript()
        self.assertEqual(str(m["Subject"]), "Re: control")
        self.assertIn("Hi team, — ignored: text before the first command",
                      text)
        self.assertIn("reassign 1 carol@corp.example — ok", text)
        self.assertIn("skills bob@corp.example network, software — ok", text)
        self.assertIn("Thanks! — end of the commands (a sign-off); 3 more "
                      "lines not read", text)
        self.assertIn("All applied.", text)
        # the transcript of a control mail is about no ticket
        self.assertNotIn("{{", text)
        self.assertNotIn("ticket #", text)
        self.assertNotIn("Root Admin", text)

    def test_typo_in_the_middle_refuses_the_whole_mail(self):
        self.control("Hi team,\n\n"
                     "reassign 1 carol@corp.example\n"
                     "skils bob@corp.example network\n"
                     "role dan@corp.example admin\n\n"
                     "Thanks!\n-- \nRoot Admin\n")
        self.assertEqual(self.assignee(), "bob@corp.example")
        self.assertIsNone(self.person("bob@corp.example", "skills"))
        self.assertIsNone(self.person("dan@corp.example", "role"))
        text, _ = self.transcript()
        flat = " ".join(text.split())
        self.assertIn("skils bob@corp.example network — unknown command "
                      "'skils'", flat)
        self.assertIn("role dan@corp.example admin — not applied", flat)
        self.assertIn("Nothing was applied", flat)

    def test_typo_in_the_first_command_is_no_greeting(self):
        self.control("Hello,\nreasign 1 carol@corp.example\n"
                     "role dan@corp.example admin\nthanks\n")
        self.assertEqual(self.assignee(), "bob@corp.example")
        self.assertIsNone(self.person("dan@corp.example", "role"))
        flat = " ".join(self.transcript()[0].split())
        self.assertIn("Hello, — ignored: text before the first command", flat)
        self.assertIn("unknown command 'reasign'", flat)
        self.assertIn("Nothing was applied", flat)

    def test_a_command_after_the_sign_off_is_not_run(self):
        self.control("reassign 1 carol@corp.example\nthanks\n"
                     "role dan@corp.example admin\n")
        self.assertEqual(self.assignee(), "carol@corp.example")
        self.assertIsNone(self.person("dan@corp.example", "role"))
        flat = " ".join(self.transcript()[0].split())
        self.assertIn("thanks — end of the commands (a sign-off); 1 more "
                      "line not read, 1 of them a command, not run", flat)

    def test_only_a_greeting_or_only_a_sign_off(self):
        for body in ("Hello desk,\n", "Thank you\n", "\n\n", ""):
            self.control(body)
            flat = " ".join(self.transcript()[0].split())
            self.assertIn("(no commands found)", flat)
            self.assertIn("Nothing was applied", flat)
        self.assertEqual(self.assignee(), "bob@corp.example")
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_sign_offs_people_write(self):
        for i, signoff in enumerate(["thanks", "Thank you.", "THANKS!",
                                     "thankyou", "Regards,", "Best regards",
                                     "Cheers, Root", "quit", "stop",
                                     "Many thanks!", "Kind regards,",
                                     "Viele Grüße", "Merci beaucoup"]):
            who = "user%d@corp.example" % i
            self.control("role %s admin\n%s\nrole %s root\n"
                         % (who, signoff, who))
            self.assertEqual(self.person(who, "role"), "admin", signoff)

    def test_crlf_bom_nbsp(self):
        # make_mail writes CR LF line ends
        self.control("\ufeffHi\u00a0team,\n"
                     "reassign\u00a01 carol@corp.example\u00a0\n"
                     "Thanks\u00a0!\n--\nRoot\n")
        self.assertEqual(self.assignee(), "carol@corp.example")
        self.assertIn("All applied.", self.transcript()[0])

    def test_commands_above_a_quoted_mail(self):
        self.control("report\n\n"
                     "On Mon, 1 Jun 2026 at 10:00, IT help desk "
                     "<it@corp.example> wrote:\n"
                     "> reassign 1 carol@corp.example — ok\n"
                     "> All applied.\n")
        self.assertEqual(self.assignee(), "bob@corp.example")
        flat = " ".join(self.transcript()[0].split())
        self.assertIn("end of the commands (quoted text)", flat)
        self.assertIn("report — ok", flat)
        self.assertTrue([r for r in self.desk.outbox() if r["kind"] == "report"])

    def test_outlook_reply_below_the_commands(self):
        self.control("report\r\n\r\n"
                     "________________________________\r\n"
                     "From: IT help desk <it@corp.example>\r\n"
                     "Sent: Monday, 1 June 2026 10:00\r\n"
                     "Subject: Re: control\r\n\r\n"
                     "reassign 1 carol@corp.example — ok\r\n")
        self.assertEqual(self.assignee(), "bob@corp.example")
        flat = " ".join(self.transcript()[0].split())
        self.assertIn("end of the commands (a quoted mail); 4 more lines not "
                      "read, 1 of them a command, not run", flat)

    def test_many_and_long_lines(self):
        greeting = "Hello, this is a long greeting line. " * 2000
        body = (greeting + "\n") + "filler line\n" * 10000 + \
            "reassign 1 carol@corp.example\nthanks\n" + "sig line\n" * 10000
        self.control(body)
        self.assertEqual(self.assignee(), "carol@corp.example")
        text, _ = self.transcript()
        self.assertIn("and 9991 more lines before the first command, ignored",
                      text)
        self.assertIn("10000 more lines not read", text)
        # the transcript names lines short, not the 74 KB one
        self.assertLess(len(text), 8000)

    def test_only_root_and_not_from_others(self):
        self.control("Hi,\nrole bob@corp.example root\nthanks\n",
                     who="bob@corp.example")
        self.assertEqual(self.person("bob@corp.example", "role"), "admin")
        self.assertIn("only a root admin",
                      self.transcript("bob@corp.example")[0])


class AdminReply(DeskTest):
    """The same rule for the '/' commands at the top of an admin's reply:
    one greeting line may stand before them; other text makes the reply
    all text."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": ROOT,
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto", "max_notices_per_hour": "1000"},
            "categories": CATS})
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)

    ticket = ControlMail.assignee

    def says(self, body, who="bob@corp.example"):
        self.desk.stdin(make_mail(subject="Re: [IT #1] Printer jams",
                                  body=body, sender=who, name=None), check=0)

    def status(self):
        return self.desk.scalar("SELECT status FROM tickets WHERE number = 1")

    def transcripts(self):
        return [parse_mail(r["message"]).get_body(("plain",)).get_content()
                for r in self.desk.outbox() if r["kind"] == "transcript"]

    def comments(self):
        return [r["body"] for r in
                self.desk.query("SELECT body FROM comments ORDER BY id")]

    def test_greeting_then_commands(self):
        self.says("Hi Alice,\n/resolve toner replaced\n\nAll good now.\n\n"
                  "-- \nBob\n")
        self.assertEqual(self.status(), "resolved")
        tr = self.transcripts()
        self.assertEqual(len(tr), 1)
        self.assertIn("Hi Alice, — ignored: a greeting before the commands",
                      tr[0])
        self.assertIn("/resolve toner replaced — ok", tr[0])
        self.assertEqual([c.strip() for c in self.comments()],
                         ["All good now."])

    def test_greeting_then_a_typo_is_answered(self):
        self.says("Hello,\n/reslove\n\nfixed\n")
        self.assertEqual(self.status(), "assigned")
        flat = " ".join(self.transcripts()[0].split())
        self.assertIn("unknown command '/reslove'", flat)
        self.assertIn("Nothing was applied", flat)

    def test_text_before_a_slash_line_stays_text(self):
        self.says("If it happens again, write to me with:\n/priority high\n")
        self.says("Hi Alice, I replaced the toner.\n/resolve\n")
        self.says("Hi,\n/etc/printcap was wrong.\n")
        self.assertEqual(self.status(), "assigned")
        self.assertEqual(self.desk.scalar(
            "SELECT priority FROM tickets WHERE number = 1"), "low")
        # nothing runs, and the admin is told so (not for the path)
        t = self.transcripts()
        self.assertEqual(len(t), 2)
        self.assertIn("/priority high — not run: commands go at the very "
                      "top", t[0])
        self.assertIn("/resolve — not run", t[1])
        c = self.comments()
        self.assertIn("/priority high", c[0])
        self.assertIn("/resolve", c[1])
        self.assertIn("/etc/printcap was wrong.", c[2])
