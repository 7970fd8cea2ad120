"""The desk's workflow (issue 4, in part): roles seeded from the config,
priority/category/admin of a new ticket from its subject and body, and
automatic assignment with its notice."""

import sqlite3

from harness import DeskTest, make_mail, parse_mail

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}


class Workflow(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto"},
            "categories": CATS})

    def seed(self):
        """Let ticketd seed the roles (it does at every start) without
        making a ticket: an automatic mail is stored and ignored."""
        self.desk.stdin(make_mail(headers=["Auto-Submitted: auto-generated"]),
                        check=0)

    def sql(self, q, args=()):
        con = sqlite3.connect(self.desk.db)
        con.execute(q, args)
        con.commit()
        con.close()

    def notices(self, kind=None):
        return [(r["rcpt_to"], parse_mail(r["message"]))
                for r in self.desk.outbox() if kind is None or r["kind"] == kind]

    def ack_text(self, n=1):
        for rcpt, m in self.notices("ack"):
            if str(m["Subject"]).startswith("[IT #%d]" % n):
                return m.get_body(("plain",)).get_content()
        self.fail("no acknowledgement of #%d" % n)

    def ticket(self, n=1):
        return self.desk.query("SELECT t.*, p.email AS assignee FROM tickets t "
                               "LEFT JOIN people p ON p.id = t.assignee_id "
                               "WHERE number = ?", (n,))[0]

    def test_roles_seeded_from_config_once(self):
        r = self.desk.stdin(make_mail(), check=0)
        self.assertIn("trust = from", r.stderr)     # the warning at start
        roles = {r["email"]: r["role"] for r in
                 self.desk.query("SELECT email, role FROM people")}
        self.assertEqual(roles["root@corp.example"], "root")
        self.assertEqual(roles["bob@corp.example"], "admin")
        self.assertEqual(roles["carol@corp.example"], "admin")
        self.assertEqual(roles["alice@corp.example"], "user")
        # the database is the truth afterwards: a demotion survives a restart
        self.sql("UPDATE people SET role = 'user' WHERE email = ?",
                 ("carol@corp.example",))
        self.desk.stdin(make_mail(), check=0)
        self.assertEqual(self.desk.scalar(
            "SELECT role FROM people WHERE email = 'carol@corp.example'"),
            "user")

    def test_priority_and_category_from_subject_tags(self):
        self.desk.stdin(make_mail(
            subject="[urgent] [hardware/printer] Printer on fire"), check=0)
        t = self.ticket()
        self.assertEqual(t["priority"], "high")
        self.assertEqual((t["category"], t["subcategory"]),
                         ("hardware", "printer"))
        self.assertEqual(t["subject"], "Printer on fire")
        self.assertIn("Priority: high, category: hardware/printer",
                      self.ack_text())

    def test_p_tags_and_pseudo_headers(self):
        self.desk.stdin(make_mail(subject="[P2] VPN drops"), check=0)
        self.assertEqual(self.ticket(1)["priority"], "medium")
        self.desk.stdin(make_mail(
            subject="VPN drops again",
            body="Priority: high\nCategory: network/vpn\n\nIt drops hourly.\n"),
            check=0)
        t = self.ticket(2)
        self.assertEqual(t["priority"], "high")
        self.assertEqual((t["category"], t["subcategory"]), ("network", "vpn"))
        # the pseudo-headers are not part of the stored text
        self.assertEqual(t["body"].strip(), "It drops hourly.")

    def test_default_priority_low_and_unknown_category_refused(self):
        self.desk.stdin(make_mail(subject="Coffee",
                                  body="Category: kitchen/coffee\n\nEmpty.\n"),
                        check=0)
        t = self.ticket()
        self.assertEqual(t["priority"], "low")
        self.assertIsNone(t["category"])
        text = " ".join(self.ack_text().split())
        self.assertIn('no category "kitchen/coffee"', text)
        self.assertIn("hardware: laptop", text)
        self.assertIn("network: vpn, wifi", text)

    def test_auto_assign_least_loaded_then_least_recent(self):
        for i in range(3):
            self.desk.stdin(make_mail(subject="Problem %d" % i), check=0)
        who = [self.ticket(n)["assignee"] for n in (1, 2, 3)]
        # two admins, none busy: one each, then the least recently assigned;
        # the root admin supervises and is not in the rotation (issue 7)
        self.assertEqual(who[:2], ["bob@corp.example", "carol@corp.example"])
        self.assertEqual(who[2], "bob@corp.example")
        self.assertTrue(all(self.ticket(n)["status"] == "assigned"
                            for n in (1, 2, 3)))
        assigned = self.notices("assigned")
        self.assertEqual(sorted(r for r, _ in assigned), sorted(who))
        rcpt, m = [x for x in assigned if str(x[1]["Subject"])
                   .startswith("[IT #1]")][0]
        self.assertEqual(rcpt, who[0])
        self.assertIn("Problem 0", m.get_body(("plain",)).get_content())
        self.assertIn("assigned to %s" % who[0], self.ack_text(1))
        ev = self.desk.query("SELECT kind FROM events WHERE ticket_number = 1")
        self.assertIn("assigned", [e["kind"] for e in ev])

    def test_skills_and_away(self):
        self.seed()
        self.sql("UPDATE people SET skills = 'network' "
                 "WHERE email = 'bob@corp.example'")
        self.sql("UPDATE people SET skills = 'hardware' "
                 "WHERE email IN ('carol@corp.example', 'root@corp.example')")
        self.desk.stdin(make_mail(subject="[network/vpn] VPN"), check=0)
        self.assertEqual(self.ticket(1)["assignee"], "bob@corp.example")
        self.sql("UPDATE people SET away_until = 0 "
                 "WHERE email = 'bob@corp.example'")
        self.desk.stdin(make_mail(subject="[network/wifi] Wifi"), check=0)
        self.assertNotEqual(self.ticket(2)["assignee"], "bob@corp.example")

    def test_requester_chooses_admin(self):
        self.desk.stdin(make_mail(subject="[@carol] Monitor"), check=0)
        self.assertEqual(self.ticket()["assignee"], "carol@corp.example")
        self.assertEqual(self.ticket()["subject"], "Monitor")
        self.desk.stdin(make_mail(subject="Other",
                                  body="Admin: bob@corp.example\n\nHi\n"),
                        check=0)
        self.assertEqual(self.ticket(2)["assignee"], "bob@corp.example")

    def test_chosen_admin_away_falls_back_and_says_why(self):
        self.seed()
        self.sql("UPDATE people SET away_until = 0 "
                 "WHERE email = 'carol@corp.example'")
        self.desk.stdin(make_mail(subject="[@carol] Monitor"), check=0)
        t = self.ticket()
        self.assertNotEqual(t["assignee"], "carol@corp.example")
        self.assertIsNotNone(t["assignee"])
        text = " ".join(self.ack_text().split())
        self.assertIn("carol@corp.example", text)
        self.assertIn("away", text)

    def test_manual_assignment_leaves_it_open(self):
        self.desk.conf["helpdesk"]["assign"] = "manual"
        self.desk.write_conf()
        self.desk.stdin(make_mail(subject="[@carol] Monitor"), check=0)
        t = self.ticket()
        self.assertEqual(t["status"], "open")
        self.assertIsNone(t["assignee"])
        self.assertEqual(self.notices("assigned"), [])


def reply_mail(subject, body, sender, name=None, headers=()):
    return make_mail(subject=subject, body=body, sender=sender, name=name,
                     headers=headers)


class Commands(DeskTest):
    """Admins steer a ticket by /commands at the top of a reply."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto"},
            "categories": CATS})
        # ticket #1 from alice, asking for bob
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)
        self.assertEqual(self.ticket()["assignee"], "bob@corp.example")

    ticket = Workflow.ticket
    notices = Workflow.notices

    def last(self, kind, rcpt):
        got = [m for r, m in self.notices(kind) if r == rcpt]
        self.assertTrue(got, "no %s notice to %s" % (kind, rcpt))
        return got[-1].get_body(("plain",)).get_content()

    def admin_says(self, body, who="bob@corp.example", subject="Re: [IT #1] x"):
        self.desk.stdin(reply_mail(subject, body, who), check=0)

    def test_resolve_with_transcript_and_notices(self):
        self.admin_says("/resolve toner replaced\n\nAll good now.\n")
        t = self.ticket()
        self.assertEqual(t["status"], "resolved")
        self.assertIsNotNone(t["closed_at"])
        self.assertIn("toner replaced",
                      self.last("resolved", "alice@corp.example"))
        tr = self.last("transcript", "bob@corp.example")
        self.assertIn("/resolve toner replaced", tr)
        self.assertIn("ok", tr)
        c = self.desk.query("SELECT body FROM comments")
        self.assertEqual([x["body"].strip() for x in c], ["All good now."])
        self.assertIn("All good now.",
                      self.last("comment", "alice@corp.example"))
        ev = [e["kind"] for e in self.desk.query("SELECT kind FROM events")]
        self.assertIn("resolved", ev)

    def test_reason_is_recorded(self):
        self.admin_says("/reason the spare part took a week\n")
        self.assertEqual(self.desk.scalar(
            "SELECT detail FROM events WHERE kind = 'sla-reason'"),
            "the spare part took a week")

    def test_relayed_notice_threads_for_its_recipient(self):
        orig = self.desk.mails()[0]["message_id"]
        ack = [r for r in self.desk.outbox() if r["kind"] == "ack"][0]
        self.admin_says("Which tray?\n")
        row = [r for r in self.desk.outbox() if r["kind"] == "comment"][-1]
        m = parse_mail(row["message"])
        self.assertEqual(row["rcpt_to"], "alice@corp.example")
        # alice's client has her own mail and the acknowledgement
        self.assertEqual(str(m["In-Reply-To"]).strip(),
                         "<%s>" % ack["message_id"])
        self.assertIn("<%s>" % orig, str(m["References"]))
        self.assertEqual(str(m["Subject"]), "[IT #1] Printer jams")

    def test_only_assignee_or_root_may_resolve(self):
        self.admin_says("/resolve\n", who="carol@corp.example")
        self.assertEqual(self.ticket()["status"], "assigned")
        self.assertIn("only the assignee",
                      self.last("transcript", "carol@corp.example"))
        self.admin_says("/reject duplicate of #0\n", who="root@corp.example")
        self.assertEqual(self.ticket()["status"], "rejected")
        self.assertIn("duplicate of #0",
                      self.last("rejected", "alice@corp.example"))

    def test_whole_or_nothing(self):
        self.admin_says("/priority high\n/frobnicate\n\nsee above\n")
        self.assertEqual(self.ticket()["priority"], "low")
        tr = " ".join(self.last("transcript", "bob@corp.example").split())
        self.assertIn("/frobnicate", tr)
        self.assertIn("Nothing was applied", tr)
        # the text is still a comment
        self.assertEqual(len(self.desk.query("SELECT id FROM comments")), 1)

    def test_priority_category_assign_publish(self):
        self.admin_says("/priority high\n/category hardware/printer\n"
                        "/assign carol\n")
        t = self.ticket()
        self.assertEqual(t["priority"], "high")
        self.assertEqual((t["category"], t["subcategory"]),
                         ("hardware", "printer"))
        self.assertEqual(t["assignee"], "carol@corp.example")
        self.assertEqual(t["handovers"], 1)
        self.assertTrue(self.last("assigned", "carol@corp.example"))
        self.admin_says("/resolve\n/publish Printer jams: change the toner\n",
                        who="carol@corp.example")
        t = self.ticket()
        self.assertEqual((t["status"], t["published"], t["kb_title"]),
                         ("resolved", 1, "Printer jams: change the toner"))

    def test_internal_note_reaches_admins_only(self):
        self.desk.stdin(make_mail(subject="Re: [IT #1] x", body="thanks",
                                  headers=["Cc: Dan <dan@corp.example>"]),
                        check=0)
        before = len(self.notices("comment"))
        self.admin_says("/internal\n\nSuspect the fuser unit.\n")
        new = self.notices("comment")[before:]
        self.assertEqual([r for r, _ in new], [])   # alice and dan: users
        c = self.desk.query("SELECT internal FROM comments ORDER BY id")
        self.assertEqual(c[-1]["internal"], 1)

    def test_requester_change_refused_once_assigned(self):
        self.desk.stdin(make_mail(subject="Re: [IT #1] [high] x",
                                  body="It is urgent!"), check=0)
        self.assertEqual(self.ticket()["priority"], "low")
        text = " ".join(self.last("refused-change",
                                  "alice@corp.example").split())
        self.assertIn("priority high", text)
        self.assertIn("bob@corp.example", text)

    def test_reply_to_closed_ticket_is_a_comment_and_tells_assignee(self):
        self.admin_says("/resolve\n")
        self.desk.stdin(make_mail(subject="Re: [IT #1] x",
                                  body="It jams again."), check=0)
        self.assertEqual(self.ticket()["status"], "resolved")
        self.assertIn("It jams again.",
                      self.last("comment", "bob@corp.example"))


class RequesterEdits(DeskTest):

    def test_open_ticket_takes_changes(self):
        sink = self.start_sink()
        desk = self.make_desk(None, sink, conf={
            "helpdesk": {"assign": "manual"}, "categories": CATS})
        desk.stdin(make_mail(subject="Printer"), check=0)
        desk.stdin(make_mail(subject="Re: [IT #1] Printer",
                             body="Priority: high\nCategory: hardware/printer\n"
                                  "\nForgot to say."), check=0)
        t = desk.query("SELECT priority, category, subcategory, status "
                       "FROM tickets")[0]
        self.assertEqual(t, {"priority": "high", "category": "hardware",
                             "subcategory": "printer", "status": "open"})
        c = desk.query("SELECT body FROM comments")
        self.assertEqual(c[0]["body"].strip(), "Forgot to say.")


class Authenticity(DeskTest):
    """trust = authentication-results: commands only from a sender that the
    local MTA's Authentication-Results vouch for; a forged From is refused."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example",
                         "trust": "authentication-results",
                         "authserv_id": "mx.corp.example",
                         "assign": "auto"}})
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)

    ticket = Workflow.ticket
    notices = Workflow.notices
    last = Commands.last

    def says(self, body, who, ar=None):
        # the MTA puts its field at the top of the header (authres.h)
        top = ("Authentication-Results: %s\r\n" % ar).encode() if ar else b""
        self.desk.stdin(top + reply_mail("Re: [IT #1] x", body, who),
                        check=0)

    def test_no_or_foreign_results_refused(self):
        self.says("/resolve\n\nfixed\n", "bob@corp.example")
        self.assertEqual(self.ticket()["status"], "assigned")
        self.assertIn("not obeyed", self.last("transcript", "bob@corp.example"))
        self.says("/resolve\n", "bob@corp.example",
                  ar="evil.example; dmarc=pass header.from=corp.example")
        self.assertEqual(self.ticket()["status"], "assigned")
        # the text was kept as a comment
        self.assertEqual(self.desk.scalar("SELECT count(*) FROM comments"), 2)

    def test_forged_root_refused(self):
        self.says("/reject go away\n", "root@corp.example",
                  ar="mx.corp.example; spf=pass smtp.mailfrom=evil.example; "
                     "dkim=pass header.d=evil.example")
        self.assertEqual(self.ticket()["status"], "assigned")
        self.assertEqual(self.notices("rejected"), [])

    def test_verified_admin_obeyed(self):
        self.says("/resolve done\n", "bob@corp.example",
                  ar="mx.corp.example; dkim=pass header.d=corp.example; "
                     "dmarc=pass header.from=corp.example")
        self.assertEqual(self.ticket()["status"], "resolved")


class Access(DeskTest):
    """allow_domains, access requests, grant and revoke (ticketctl user)."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "ext-admin@partner.example"}})

    def outside(self, subject="Need access"):
        return make_mail(subject=subject, sender="dave@partner.example",
                         name="Dave")

    def test_outsider_held_and_told_once_a_day(self):
        self.desk.stdin(self.outside(), check=0)
        self.assertEqual(self.desk.ticket_count(), 0)
        m = self.desk.mails()[-1]
        self.assertEqual(m["disposition"], "ignored")
        self.assertIn("access request", m["note"])
        ob = self.desk.outbox()
        self.assertEqual([(r["kind"], r["rcpt_to"]) for r in ob],
                         [("access-denied", "dave@partner.example")])
        text = parse_mail(ob[0]["message"]).get_body(("plain",)).get_content()
        self.assertIn("root@corp.example", text)
        self.desk.stdin(self.outside("Again"), check=0)
        self.assertEqual(len(self.desk.outbox()), 1)   # once a day
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM access_requests"), 2)
        users = self.desk.ctl("user", "list").stdout
        self.assertIn("dave@partner.example", users)
        self.assertIn("2 access request(s) waiting", users)

    def test_never_to_an_auto_reply(self):
        self.desk.stdin(make_mail(sender="dave@partner.example",
                                  headers=["Auto-Submitted: auto-replied"]),
                        check=0)
        self.assertEqual(self.desk.outbox(), [])

    def test_grant_turns_requests_into_tickets(self):
        self.desk.stdin(self.outside("VPN for the audit"), check=0)
        r = self.desk.ctl("user", "grant", "dave@partner.example")
        self.assertIn("1 waiting mail(s) became tickets", r.stdout)
        t = self.desk.tickets()
        self.assertEqual([(x["requester"], x["subject"]) for x in t],
                         [("dave@partner.example", "VPN for the audit")])
        self.assertEqual(self.desk.mails()[-1]["disposition"], "ticket")
        kinds = [x["kind"] for x in self.desk.outbox()]
        self.assertIn("ack", kinds)
        # and from now on their mail makes tickets directly
        self.desk.stdin(self.outside("Second"), check=0)
        self.assertEqual(self.desk.ticket_count(), 2)

    def test_revoke_blocks_even_an_allowed_domain(self):
        self.desk.ctl("user", "revoke", "alice@corp.example")
        self.desk.stdin(make_mail(), check=0)
        self.assertEqual(self.desk.ticket_count(), 0)
        self.assertEqual(self.desk.outbox(), [])
        self.assertEqual(self.desk.mails()[-1]["note"], "blocked sender")

    def test_admin_from_outside_allowed_and_roles_by_ctl(self):
        self.desk.stdin(make_mail(sender="ext-admin@partner.example"),
                        check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.desk.ctl("user", "role", "carol@corp.example", "admin")
        self.assertEqual(self.desk.scalar(
            "SELECT role FROM people WHERE email = 'carol@corp.example'"),
            "admin")
        self.desk.ctl("user", "role", "carol@corp.example", "wizard", check=64)
        self.desk.ctl("user", "add", "not-an-address", check=64)


class Control(DeskTest):
    """A root admin's control mail: subject 'control' or it+control@."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example"},
            "categories": CATS})
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)

    ticket = Workflow.ticket
    notices = Workflow.notices
    last = Commands.last

    def control(self, body, who="root@corp.example", to=None):
        kw = {"to": to} if to else {}
        self.desk.stdin(make_mail(subject="control" if not to else "hi",
                                  sender=who, name=None, body=body, **kw),
                        check=0)

    def test_reassign_skills_away_role_report(self):
        self.control("reassign 1 carol@corp.example\n"
                     "skills bob@corp.example network, software\n"
                     "away carol@corp.example until 2999-12-24\n"
                     "role dan@corp.example admin\n"
                     "report\n")
        t = self.ticket()
        self.assertEqual((t["assignee"], t["handovers"]),
                         ("carol@corp.example", 1))
        people = {r["email"]: r for r in self.desk.query("SELECT * FROM people")}
        self.assertEqual(people["bob@corp.example"]["skills"],
                         "network, software")
        self.assertIsNotNone(people["carol@corp.example"]["away_until"])
        self.assertEqual(people["dan@corp.example"]["role"], "admin")
        tr = self.last("transcript", "root@corp.example")
        self.assertIn("reassign 1 carol@corp.example — ok", tr)
        rep = " ".join(self.last("report", "root@corp.example").split())
        self.assertIn("assigned 1", rep)
        self.assertIn("carol@corp.example: 1, 0", rep)
        self.assertEqual(self.desk.ticket_count(), 1)   # no ticket for it
        self.control("back carol@corp.example\n", to="it+control@corp.example")
        self.assertIsNone(self.desk.scalar(
            "SELECT away_until FROM people WHERE email = 'carol@corp.example'"))

    def test_whole_or_nothing_and_reject(self):
        self.control("reject 1 duplicate\nreassign 99 bob@corp.example\n")
        self.assertEqual(self.ticket()["status"], "assigned")
        tr = " ".join(self.last("transcript", "root@corp.example").split())
        self.assertIn("no ticket #99", tr)
        self.assertIn("Nothing was applied", tr)
        self.control("reject 1 duplicate of #0\n")
        self.assertEqual(self.ticket()["status"], "rejected")
        self.assertIn("duplicate of #0",
                      self.last("rejected", "alice@corp.example"))

    def test_grant_and_revoke_by_mail(self):
        self.desk.conf["helpdesk"]["allow_domains"] = "corp.example"
        self.desk.write_conf()
        self.desk.stdin(make_mail(subject="Let me in",
                                  sender="dave@partner.example"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.control("grant dave@partner.example\nrevoke eve@corp.example\n")
        self.assertEqual(self.desk.ticket_count(), 2)
        self.assertEqual(self.desk.scalar(
            "SELECT role FROM people WHERE email = 'eve@corp.example'"),
            "blocked")

    def test_only_root_and_only_verified(self):
        self.control("role bob@corp.example root\n", who="bob@corp.example")
        self.assertEqual(self.desk.scalar(
            "SELECT role FROM people WHERE email = 'bob@corp.example'"), "admin")
        self.assertIn("only a root admin",
                      self.last("transcript", "bob@corp.example"))


class Images(DeskTest):
    """The assignment notice carries the ticket's images; a relayed comment
    carries its own."""

    PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00"
           b"\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc"
           b"\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
           b"\xaeB`\x82")

    def mail(self, subject, body, sender, image_name):
        import email.message
        import email.utils
        m = email.message.EmailMessage()
        m["From"] = sender
        m["To"] = "it@corp.example"
        m["Subject"] = subject
        m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
        m.set_content(body)
        m.add_attachment(self.PNG, maintype="image", subtype="png",
                         filename=image_name)
        m.add_attachment(b"plain data", maintype="application",
                         subtype="octet-stream", filename="notes.bin")
        return bytes(m)

    def test_images_travel_with_notices(self):
        sink = self.start_sink()
        desk = self.make_desk(None, sink, conf={
            "helpdesk": {"admins": "bob@corp.example"}})
        desk.stdin(self.mail("Screen broken", "See the picture.",
                             "alice@corp.example", "Bildschirm kaputt.png"),
                   check=0)
        row = [r for r in desk.outbox() if r["kind"] == "assigned"][0]
        m = parse_mail(row["message"])
        # shown by the HTML part: inline parts of a multipart/related
        files = [(p.get_filename(), p.get_content_type(), p.get_content())
                 for p in m.walk() if p.get("Content-ID")]
        self.assertEqual(files, [("Bildschirm kaputt.png", "image/png",
                                  self.PNG)])
        self.assertIn("See the picture.", m.get_body(("plain",)).get_content())
        # bob answers with a screenshot of his own: alice gets it
        desk.stdin(self.mail("Re: [IT #1] Screen broken", "Is it this one?",
                             "bob@corp.example", "which.png"), check=0)
        row = [r for r in desk.outbox() if r["kind"] == "comment"][-1]
        self.assertEqual(row["rcpt_to"], "alice@corp.example")
        m = parse_mail(row["message"])
        self.assertEqual([p.get_filename() for p in m.walk()
                          if p.get("Content-ID")], ["which.png"])


class WorkflowOverImap(DeskTest):
    """The workflow through the real servers: mails APPENDed to Dovecot,
    `ticketd --once`, and the notices as the SMTP server received them."""

    def test_ticket_assignment_commands_and_notices(self):
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example"},
            "categories": CATS})
        dove.append(make_mail(subject="[high] [hardware/printer] [@bob] Jams",
                              msgid="wf-imap-1@client.corp.example"))
        desk.once()
        got = {(env["rcpt_tos"][0], str(parse_mail(raw)["Subject"]))
               for env, raw in sink.messages()}
        self.assertEqual(got, {("alice@corp.example", "[IT #1] Jams"),
                               ("bob@corp.example", "[IT #1] Jams")})
        dove.append(make_mail(subject="Re: [IT #1] Jams", sender="bob@corp.example",
                              name="Bob", body="/resolve new fuser\n\nDone.\n"))
        desk.once()
        self.assertEqual(dove.count("INBOX"), 0)
        self.assertEqual(dove.count("Processed"), 2)
        t = desk.query("SELECT status, priority FROM tickets")[0]
        self.assertEqual((t["status"], t["priority"]), ("resolved", "high"))
        msgs = [(env["rcpt_tos"][0], parse_mail(raw))
                for env, raw in sink.messages()]
        resolved = [m for r, m in msgs if r == "alice@corp.example" and
                    "is resolved:" in m.get_body(("plain",)).get_content()]
        self.assertEqual(len(resolved), 1)
        self.assertIn("<wf-imap-1@client.corp.example>",
                      str(resolved[0]["References"]))
        tr = [m for r, m in msgs if r == "bob@corp.example" and
              "/resolve new fuser" in m.get_body(("plain",)).get_content()]
        self.assertEqual(len(tr), 1)
        self.assertIn("ok", tr[0].get_body(("plain",)).get_content())


class Bouncing(DeskTest):
    """Issue 3: after a notice bounced, its recipient gets no further notices
    until they write again."""

    def test_no_notices_to_a_bouncing_address(self):
        sink = self.start_sink()
        desk = self.make_desk(None, sink, conf={
            "helpdesk": {"admins": "bob@corp.example"}})
        desk.stdin(make_mail(subject="[@bob] Printer"), check=0)
        ack = [r for r in desk.outbox() if r["kind"] == "ack"][0]
        dsn = (
            "From: MAILER-DAEMON@mx.corp.example\r\nTo: it@corp.example\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <bounce-2@mx.corp.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;"
            " boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            "gone\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; "
            "alice@corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "Message-ID: <%s>\r\n\r\n--b--\r\n" % ack["message_id"]).encode()
        desk.stdin(dsn, check=0)
        before = len(desk.outbox())
        # bob comments: the relay to alice is held back, she bounces
        desk.stdin(make_mail(subject="Re: [IT #1] Printer", body="Which tray?",
                             sender="bob@corp.example", name="Bob"), check=0)
        held = desk.outbox()[before:]
        self.assertEqual([(r["rcpt_to"], r["status"]) for r in held],
                         [("alice@corp.example", "suppressed")])
        self.assertIn("bounces", held[0]["last_error"])
        self.assertEqual(desk.scalar("SELECT count(*) FROM comments"), 1)
        # when alice writes again she hears from the desk again
        desk.stdin(make_mail(subject="Re: [IT #1] Printer", body="Tray 2."),
                   check=0)
        desk.stdin(make_mail(subject="Re: [IT #1] Printer", body="Tray 3!",
                             sender="bob@corp.example", name="Bob"), check=0)
        self.assertIn(("alice@corp.example", "sent"),
                      [(r["rcpt_to"], r["status"])
                       for r in desk.outbox()[before + 1:]])
