"""ticketctl stats (issue 9, point 4): the desk's numbers from its event
log — totals by status, priority and category, resolution times (median,
90th percentile) overall and per admin, SLA met, handovers given and
received, time to first response — in text and --json, over all time or
--since a date; and the same figures on the dashboard's API."""

import calendar
import json
import os

from harness import DeskTest, make_mail

T0 = calendar.timegm((2026, 12, 7, 9, 0, 0))
H = 3600


class Stats(DeskTest):

    def setUp(self):
        super().setUp()
        self.addCleanup(os.environ.pop, "TICKETD_NOW", None)
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example"},
            "categories": {"hardware": "printer", "network": "vpn"}})

    def at(self, t, **kw):
        os.environ["TICKETD_NOW"] = str(int(t))
        self.desk.stdin(make_mail(**kw), check=0)

    def reply(self, t, n, who, body):
        self.at(t, subject="Re: [IT #%d] x" % n, sender=who, body=body)

    def build(self):
        # 1 high, bob: he answers after 1h, resolves at 2h (in time)
        self.at(T0, subject="[high] [@bob] [hardware/printer] Jams")
        self.reply(T0 + H, 1, "bob@corp.example", "Which tray?\n")
        self.reply(T0 + 2 * H, 1, "bob@corp.example", "/resolve fuser\n")
        # 2 high, bob hands it to carol; carol resolves at 10h (late)
        self.at(T0, subject="[high] [@bob] [network/vpn] VPN",
                sender="erin@corp.example")
        self.reply(T0 + 30 * 60, 2, "bob@corp.example", "/assign carol\n")
        self.reply(T0 + 10 * H, 2, "carol@corp.example", "/resolve fixed\n")
        # 3 low, carol, still open; 4 low, rejected by root
        self.at(T0 + H, subject="[@carol] Mouse", sender="finn@corp.example")
        self.at(T0 + H, subject="Coffee machine", sender="gus@corp.example")
        self.reply(T0 + 3 * H, 4, "root@corp.example", "/reject not IT\n")

    def test_figures(self):
        self.build()
        doc = json.loads(self.desk.ctl("stats", "--json").stdout)
        self.assertEqual(doc["tickets"], 4)
        self.assertEqual(doc["by_status"], {"open": 0, "assigned": 1,
                                            "resolved": 2, "rejected": 1})
        self.assertEqual(doc["by_priority"], {"high": 2, "medium": 0,
                                              "low": 2})
        self.assertEqual({c["category"]: c["tickets"]
                          for c in doc["by_category"]},
                         {"hardware": 1, "network": 1, "none": 2})
        self.assertEqual(doc["resolved"], 2)
        self.assertEqual(doc["median_secs"], 2 * H)     # lower middle
        self.assertEqual(doc["p90_secs"], 10 * H)
        self.assertEqual((doc["sla_met"], doc["sla_targets"]), (1, 2))
        self.assertEqual(doc["handovers"], 1)
        # first responses: #1 after 1h (bob's question), #2 after 30m (his
        # handover, a reply too), #4 after 2h (root's rejection)
        self.assertEqual(doc["first_responses"], 3)
        self.assertEqual(doc["first_response_avg_secs"],
                         (H + H // 2 + 2 * H) // 3)
        adm = {a["email"]: a for a in doc["admins"]}
        self.assertEqual(adm["bob@corp.example"]["handovers_given"], 1)
        self.assertEqual(adm["carol@corp.example"]["handovers_received"], 1)
        self.assertEqual(adm["bob@corp.example"]["resolved"], 1)
        self.assertEqual(adm["carol@corp.example"]["median_secs"], 10 * H)
        self.assertEqual(adm["carol@corp.example"]["sla_met"], 0)
        self.assertEqual(adm["root@corp.example"]["first_responses"], 1)
        text = self.desk.ctl("stats").stdout
        for line in ("Tickets: 4",
                     "By status: open 0, assigned 1, resolved 2, rejected 1",
                     "By category: hardware 1, network 1, none 2",
                     "Resolved: 2; time to resolve: median 2h, 90th "
                     "percentile 10h",
                     "SLA met: 50% (1 of 2 resolved with a target)",
                     "Handovers: 1"):
            self.assertIn(line, text)
        self.assertRegex(text, r"bob@corp\.example\s+1\s+2h\s+2h\s+100%\s+1\s+0")

    def test_since_and_bad_arguments(self):
        self.build()
        self.at(T0 + 5 * 86400, subject="Later", sender="hal@corp.example")
        doc = json.loads(self.desk.ctl("stats", "--json", "--since",
                                       "2026-12-10").stdout)
        self.assertEqual(doc["tickets"], 1)
        self.assertEqual(doc["since"], "2026-12-10T00:00:00Z")
        for args in (["--since"], ["--since", "2026-13-01"], ["--bogus"]):
            r = self.desk.ctl("stats", *args, check=64)
            self.assertIn("ticketctl:", r.stderr)

    def test_empty_desk(self):
        doc = json.loads(self.desk.ctl("stats", "--json").stdout)
        self.assertEqual((doc["tickets"], doc["median_secs"],
                          doc["first_response_avg_secs"]), (0, -1, -1))
        self.assertIn("Tickets: 0", self.desk.ctl("stats").stdout)
