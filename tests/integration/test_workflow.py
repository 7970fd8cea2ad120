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
        self.desk.stdin(make_mail(), check=0)
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
        # three admins (root included), none busy: each gets one
        self.assertEqual(sorted(who), ["bob@corp.example", "carol@corp.example",
                                       "root@corp.example"])
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
