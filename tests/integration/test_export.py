"""ticketctl export (issue 9, point 5): the event log as XES, valid against
the IEEE 1849-2016 schema, as RFC 4180 CSV and as JSON, each read back and
compared with the events table row for row."""

import csv
import io
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from harness import REPO, DeskTest, make_mail, tool_path

XSD = os.path.join(REPO, "tests", "data", "xes-ieee-1849-2016.xsd")
NASTY = 'comma, "quote", new\nline; <tag> & \x01ctl \ud7ff end'


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Export(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto"},
            "categories": {"hardware": "printer, laptop"}})
        d = self.desk
        d.stdin(make_mail(subject="[high] [hardware/printer] Printer jams"),
                check=0)
        d.stdin(make_mail(subject="VPN", sender="erin@corp.example"), check=0)
        d.stdin(make_mail(subject="Re: [IT #1] x", sender="bob@corp.example",
                          body="/priority medium\n/assign carol\n\nOver to you.\n"),
                check=0)
        d.stdin(make_mail(subject="Re: [IT #1] x", sender="carol@corp.example",
                          body="/resolve toner\n"), check=0)
        # an event whose detail holds every character that CSV, JSON and
        # XML must carry (or, for XML 1.0, replace)
        d.sql("INSERT INTO events (ticket_number, at, actor_id, kind, detail) "
              "VALUES (2, 1796400000, NULL, 'note', ?)", (NASTY,))
        self.events = d.query(
            "SELECT e.ticket_number, e.kind, e.at, p.email AS actor, e.detail "
            "FROM events e LEFT JOIN people p ON p.id = e.actor_id "
            "WHERE e.ticket_number IS NOT NULL "
            "ORDER BY e.ticket_number, e.at, e.id")
        self.assertGreater(len(self.events), 6)

    def export(self, *args, check=0):
        return self.desk.ctl("export", *args, check=check)

    def test_xes_is_schema_valid_and_complete(self):
        out = self.export("--format", "xes").stdout
        path = os.path.join(self.tmp, "log.xes")
        with open(path, "w") as f:
            f.write(out)
        r = subprocess.run([tool_path("xsdvalid"), XSD, path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        root = ET.fromstring(out.encode())
        self.assertEqual(root.tag, "log")
        self.assertEqual({e.get("prefix") for e in root.findall("extension")},
                         {"concept", "time", "org", "lifecycle"})
        got = []
        for tr in root.findall("trace"):
            attrs = {a.get("key"): a.get("value") for a in tr
                     if a.tag != "event"}
            for ev in tr.findall("event"):
                e = {a.get("key"): a.get("value") for a in ev}
                self.assertEqual(e["lifecycle:transition"], "complete")
                got.append((int(attrs["concept:name"]), e["concept:name"],
                            e["time:timestamp"], e["org:resource"],
                            e.get("detail")))
            if attrs["concept:name"] == "1":
                self.assertEqual((attrs["priority"], attrs["category"],
                                  attrs["subcategory"], attrs["status"]),
                                 ("medium", "hardware", "printer", "resolved"))
        want = [(e["ticket_number"], e["kind"],
                 iso(e["at"]).replace("Z", ".000+00:00"),
                 e["actor"] or "ticketd", e["detail"]) for e in self.events]
        # XML 1.0 cannot carry U+0001: it became U+FFFD, the rest is exact
        want = [w[:4] + (w[4].replace("\x01", "\ufffd") if w[4] else None,)
                for w in want]
        self.assertEqual(got, want)

    def test_csv_round_trip(self):
        text = self.export("--format", "csv").stdout
        self.assertTrue(text.startswith("case_id,activity,timestamp,resource,"
                                        "lifecycle,priority,category,status,"
                                        "detail\r\n"))
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        got = [(int(r["case_id"]), r["activity"], r["timestamp"],
                r["resource"], r["detail"] or None) for r in rows]
        want = [(e["ticket_number"], e["kind"], iso(e["at"]),
                 e["actor"] or "ticketd", e["detail"]) for e in self.events]
        self.assertEqual(got, want)
        self.assertIn(NASTY, [r["detail"] for r in rows])
        self.assertEqual({r["category"] for r in rows if r["case_id"] == "1"},
                         {"hardware/printer"})

    def test_json_round_trip(self):
        doc = json.loads(self.export("--format", "json").stdout)
        self.assertEqual([t["number"] for t in doc], [1, 2])
        got = [(t["number"], e["kind"], e["at"], e["actor"] or "ticketd",
                e["detail"]) for t in doc for e in t["events"]]
        want = [(e["ticket_number"], e["kind"], iso(e["at"]),
                 e["actor"] or "ticketd", e["detail"]) for e in self.events]
        self.assertEqual(got, want)
        self.assertEqual(doc[0]["status"], "resolved")
        self.assertIsNone(doc[1]["category"])

    def test_since_and_bad_arguments(self):
        self.desk.sql("UPDATE tickets SET created_at = 1000 WHERE number = 1")
        doc = json.loads(self.export("--format", "json", "--since",
                                     "2000-01-01").stdout)
        self.assertEqual([t["number"] for t in doc], [2])
        self.assertEqual(json.loads(self.export(
            "--format", "json", "--since", "2999-12-31T23:59:59Z").stdout), [])
        for args in (["--format", "pdf"], [], ["--since", "2026-01-01"],
                     ["--format", "csv", "--since", "2026-02-30"],
                     ["--format", "csv", "--since", "yesterday"],
                     ["--format", "csv", "--since", "2026-01-01T25:00:00Z"],
                     ["--format"], ["--bogus"]):
            r = self.export(*args, check=64)
            self.assertIn("ticketctl:", r.stderr)

    def test_empty_desk(self):
        self.desk.sql("DELETE FROM events")
        self.assertEqual(json.loads(self.export("--format", "json").stdout), [])
        self.assertEqual(self.export("--format", "csv").stdout.count("\n"), 1)
        out = self.export("--format", "xes").stdout
        path = os.path.join(self.tmp, "empty.xes")
        with open(path, "w") as f:
            f.write(out)
        r = subprocess.run([tool_path("xsdvalid"), XSD, path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
