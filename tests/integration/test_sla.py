"""The SLA clock (issue 9, points 1-3 and 6): due times from the priority's
target, in business hours and a time zone; the warning, the breach (once
per ticket) and the escalation; the admin's /reason; the daily digest.
Time is the desk's clock, TICKETD_NOW: each run of ticketd starts at an
exact instant, nothing sleeps (but the daemon test, which shows that the
daemon acts on its own clock with no mail arriving)."""

import calendar
import os
import time

from harness import DeskTest, make_mail, parse_mail, wait_until

# Monday 2026-12-07 10:00:00 UTC
T0 = calendar.timegm((2026, 12, 7, 10, 0, 0))
H = 3600


def at(t):
    """Run what follows at desk time t."""
    os.environ["TICKETD_NOW"] = str(int(t))


def text(row):
    return parse_mail(row["message"]).get_body(("plain",)).get_content()


class Clock(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.addCleanup(os.environ.pop, "TICKETD_NOW", None)

    def desk_with(self, sla=None, **hd):
        conf = {"root_admins": "root@corp.example",
                "admins": "bob@corp.example", "assign": "auto"}
        conf.update(hd)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": conf, "sla": sla or {}})
        return self.desk

    def new(self, t, subject="Printer jams", **kw):
        at(t)
        self.desk.stdin(make_mail(subject=subject, **kw), check=0)

    def tick(self, t):
        """The clock runs at t: any ticketd run sweeps (here --stdin with an
        automatic mail, which is stored and ignored)."""
        at(t)
        self.desk.stdin(make_mail(subject="tick",
                                  headers=["Auto-Submitted: auto-generated"]),
                        check=0)

    def ticket(self, n=1):
        return self.desk.query("SELECT * FROM tickets WHERE number = ?",
                               (n,))[0]

    def notices(self, kind):
        return [r for r in self.desk.outbox() if r["kind"] == kind]

    def test_due_from_priority_shown_on_notices(self):
        self.desk_with()
        self.new(T0, "[high] Server down")
        self.new(T0, "Mouse squeaks", sender="erin@corp.example")
        self.assertEqual(self.ticket(1)["due_at"], T0 + 4 * H)
        self.assertEqual(self.ticket(2)["due_at"], T0 + 3 * 24 * H)  # low
        self.assertEqual(self.ticket(1)["warn_at"], T0 + int(0.8 * 4 * H))
        ack = [text(r) for r in self.notices("ack")]
        self.assertIn("due to be resolved by Mon 2026-12-07 14:00 UTC", ack[0])
        self.assertIn("Thu 2026-12-10 10:00 UTC", ack[1])
        self.assertIn("Mon 2026-12-07 14:00 UTC",
                      text(self.notices("assigned")[0]))

    def test_business_hours_and_time_zone(self):
        self.desk_with(sla={"business_hours": "Mon-Fri 09:00-17:00",
                            "timezone": "Europe/Berlin"})
        # Friday 2026-12-04 16:00 in Berlin (UTC+1) is 15:00 UTC
        fri = calendar.timegm((2026, 12, 4, 15, 0, 0))
        self.new(fri, "[high] VPN down")
        # one hour on Friday, three on Monday: Monday 12:00 Berlin
        self.assertEqual(self.ticket()["due_at"],
                         calendar.timegm((2026, 12, 7, 11, 0, 0)))
        self.assertIn("Mon 2026-12-07 12:00 CET", text(self.notices("ack")[0]))

    def test_priority_change_recomputes_from_creation(self):
        self.desk_with()
        self.new(T0, "Keyboard")
        self.assertEqual(self.ticket()["due_at"], T0 + 3 * 24 * H)
        at(T0 + H)
        self.desk.stdin(make_mail(subject="Re: [IT #1] x",
                                  sender="bob@corp.example",
                                  body="/priority high\n"), check=0)
        self.assertEqual(self.ticket()["due_at"], T0 + 4 * H)

    def test_warning_breach_escalation_once(self):
        self.desk_with(root_admins="root@corp.example, boss@corp.example")
        self.new(T0, "[high] Server down")
        self.tick(T0 + 3 * H)                       # before 80 %
        self.assertEqual(self.notices("sla-warning"), [])
        self.tick(T0 + 3 * H + 15 * 60)             # past 80 % (3h12m)
        w = self.notices("sla-warning")
        self.assertEqual([r["rcpt_to"] for r in w], ["bob@corp.example"])
        self.assertIn("/reason", text(w[0]))
        # where: a /reason below other text is not run
        self.assertIn("as its first line", " ".join(text(w[0]).split()))
        self.tick(T0 + 3 * H + 30 * 60)
        self.assertEqual(len(self.notices("sla-warning")), 1)   # once
        self.tick(T0 + 4 * H + 1)                   # the breach
        b = self.notices("sla-breach")
        self.assertEqual([r["rcpt_to"] for r in b], ["bob@corp.example"])
        body = text(b[0])
        self.assertIn("was due to be resolved by Mon 2026-12-07 14:00 UTC",
                      body)
        self.assertIn("/reason", body)
        self.assertIn("as its first line", " ".join(body.split()))
        e = self.notices("sla-escalation")
        self.assertEqual(sorted(r["rcpt_to"] for r in e),
                         ["boss@corp.example", "root@corp.example"])
        self.assertIn("assigned to bob@corp.example", text(e[0]))
        self.assertEqual(self.ticket()["breached_at"], T0 + 4 * H + 1)
        for t in (T0 + 5 * H, T0 + 30 * H):          # never again
            self.tick(t)
        self.assertEqual(len(self.notices("sla-breach")), 1)
        self.assertEqual(len(self.notices("sla-escalation")), 2)
        ev = [r["kind"] for r in self.desk.query(
            "SELECT kind FROM events WHERE ticket_number = 1")]
        self.assertEqual(ev.count("sla-warning"), 1)
        self.assertEqual(ev.count("sla-breach"), 1)
        # later notices say it is overdue
        at(T0 + 6 * H)
        self.desk.stdin(make_mail(subject="Re: [IT #1] x", body="Any news?"),
                        check=0)
        self.assertIn("is overdue", text(self.notices("comment")[-1]))

    def test_no_warning_when_off_and_unassigned_breach_to_roots(self):
        self.desk_with(sla={"warn_at": "off"}, assign="manual")
        self.new(T0, "[high] Down")
        self.tick(T0 + 4 * H + 5)
        self.assertEqual(self.notices("sla-warning"), [])
        self.assertEqual(self.notices("sla-breach"), [])     # no assignee
        e = self.notices("sla-escalation")
        self.assertEqual([r["rcpt_to"] for r in e], ["root@corp.example"])
        self.assertIn("nobody", text(e[0]))

    def test_reason_stored_and_told_to_roots(self):
        self.desk_with()
        self.new(T0, "[high] Down")
        self.tick(T0 + 5 * H)
        at(T0 + 5 * H + 60)
        self.desk.stdin(make_mail(subject="Re: [IT #1] x",
                                  sender="bob@corp.example",
                                  body="/reason the spare part came late\n"),
                        check=0)
        self.assertEqual(self.ticket()["sla_reason"],
                         "the spare part came late")
        r = self.notices("sla-reason")
        self.assertEqual([x["rcpt_to"] for x in r], ["root@corp.example"])
        self.assertIn("the spare part came late", text(r[0]))
        self.assertIn("bob@corp.example", text(r[0]))

    def test_met_and_missed_once_closed(self):
        self.desk_with()
        self.new(T0, "[high] Down")
        at(T0 + H)
        self.desk.stdin(make_mail(subject="Re: [IT #1] x",
                                  sender="bob@corp.example",
                                  body="/resolve rebooted\n"), check=0)
        self.assertIn("due by Mon 2026-12-07 14:00 UTC: met",
                      text(self.notices("resolved")[0]))
        self.tick(T0 + 9 * H)
        self.assertEqual(self.notices("sla-breach"), [])      # closed in time

    def test_daily_digest(self):
        self.desk_with(sla={"digest_at": "08:00"})
        self.new(T0, "[high] Down")
        self.new(T0 + H, "Mouse", sender="erin@corp.example")
        # the first run after 08:00 sends Sunday's digest (the desk was not
        # running at 08:00)
        d = self.notices("daily-digest")
        self.assertEqual([r["rcpt_to"] for r in d], ["root@corp.example"])
        self.assertIn("Sun 2026-12-06", str(parse_mail(d[0]["message"])
                                            ["Subject"]))
        self.tick(T0 + 5 * H)                       # #1 breaches
        self.assertEqual(len(self.notices("daily-digest")), 1)   # once a day
        self.tick(calendar.timegm((2026, 12, 8, 7, 59, 0)))
        self.assertEqual(len(self.notices("daily-digest")), 1)   # not before
        next_day = calendar.timegm((2026, 12, 8, 8, 0, 30))
        self.tick(next_day)
        d = self.notices("daily-digest")
        self.assertEqual(len(d), 2)
        m = parse_mail(d[1]["message"])
        self.assertEqual(str(m["Subject"]), "[IT] Daily digest: Mon 2026-12-07")
        # the text part is wrapped at 72 columns (issue 16)
        body = " ".join(m.get_body(("plain",)).get_content().split())
        self.assertIn("Mon 2026-12-07: 2 opened, 0 closed, 1 missed", body)
        self.assertIn("high: 1 under a day, 0 1-3 days", body)
        self.assertIn("[IT #1] high, bob@corp.example, due Mon 2026-12-07 "
                      "14:00 UTC: no reason given yet", body)
        self.assertIn("overdue now: 1", body)
        self.assertIn("bob@corp.example: 2, 0, -", body)
        self.assertIn("The desk's page, with every ticket <http://", body)
        self.tick(next_day + 3 * H)                 # once a day
        self.assertEqual(len(self.notices("daily-digest")), 2)
        # the report command gives the same figures
        at(next_day + 3 * H + 10)
        self.desk.stdin(make_mail(subject="control", sender="root@corp.example",
                                  body="report\n"), check=0)
        rep = " ".join(text(self.notices("report")[0]).split())
        for line in ("Mon 2026-12-07: 2 opened, 0 closed, 1 missed",
                     "no reason given yet", "overdue now: 1"):
            self.assertIn(line, rep)

    def test_bad_sla_config_refused(self):
        for key, value, says in (
                ("business_hours", "Mon-Fry 09:00-17:00", "not a day"),
                ("business_hours", "Mon-Fri 17:00-09:00", "end after"),
                ("timezone", "Mars/Olympus", "no time zone"),
                ("timezone", "../../etc/passwd", "not a time zone name"),
                ("warn_at", "120%", "share of the target"),
                ("digest_at", "25:00", "time of day")):
            desk = self.make_desk(None, self.sink, conf={"sla": {key: value}},
                                  init=False)
            r = desk.run("ticketd", ["-n"], check=1)
            self.assertIn("[sla] %s" % key, r.stderr)
            self.assertIn(says, r.stderr)


class DaemonClock(DeskTest):
    """The daemon checks due times on its own clock, with no mail coming."""

    def test_breach_without_mail(self):
        self.addCleanup(os.environ.pop, "TICKETD_NOW", None)
        dove = self.start_dovecot()
        sink = self.start_sink()
        desk = self.make_desk(dove, sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example"},
            "sla": {"high": "3m", "warn_at": "off"}})
        start = int(time.time()) - 180 + 4      # due 4 s after it is made
        at(start)
        desk.stdin(make_mail(subject="[high] Down"), check=0)
        os.environ.pop("TICKETD_NOW")
        desk.start()
        wait_until(lambda: any(r["kind"] == "sla-escalation"
                               and r["status"] == "sent"
                               for r in desk.outbox()), 30,
                   what="the escalation, on the daemon's own clock")
        self.assertEqual(desk.stop(), 0)
        self.assertEqual(desk.query("SELECT count(*) AS n FROM mails")[0]["n"],
                         1)
