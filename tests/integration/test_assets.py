"""IT assets (issue 15): the registry by control mail and by ticketctl,
every refusal (unknown tag, duplicate tag, an unknown or revoked owner,
bad dates, an unknown type) and whole-or-nothing, the CSV import with bad
rows (line numbers, nothing written, dry run, idempotent on the tag) and
the export, linking tickets (Asset: line, [TAG] in the subject, the
automatic link with exactly one match, several, none; an admin's /asset),
the assignment notice's devices, warranty and earlier tickets, and the
pages /assets and /a/TAG with their key checks, the dashboard's devices
and a headless Chromium that renders them.

Mail goes in through ticketd --stdin; each test reads the database, the
transcripts in the outbox and the pages."""

import json
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.parse

from harness import (LOOPBACK, DeskTest, make_mail, parse_mail, port_open,
                     wait_until, web_desk_key, web_ticket_key)

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}
ROOT = "root@corp.example"
ADMINS = {"root_admins": ROOT,
          "admins": "bob@corp.example, carol@corp.example",
          "max_notices_per_hour": "1000"}
ASSETS = {"types": "laptop, desktop, monitor, phone, printer, licence, other",
          "link": "hardware/laptop: laptop, hardware/monitor: monitor, "
                  "network: laptop"}


class AssetDesk(DeskTest):
    """A desk with root, two admins, and alice, dan and eve (revoked)."""

    def assertIn(self, member, container, msg=None):
        """Notices are wrapped at 72 columns (issue 16): a phrase may be
        broken over two lines, so compare with white space folded."""
        if (isinstance(member, str) and isinstance(container, str)
                and member not in container
                and " ".join(member.split()) in " ".join(container.split())):
            return
        super().assertIn(member, container, msg)

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink(start=False)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS), "categories": CATS,
            "assets": dict(ASSETS)})
        for who in ("alice", "dan", "eve"):
            self.desk.ctl("user", "add", "%s@corp.example" % who)
        self.desk.ctl("user", "revoke", "eve@corp.example")

    def control(self, body, who=ROOT):
        self.desk.stdin(make_mail(subject="control", sender=who, name=None,
                                  body=body), check=0)
        rows = [r for r in self.desk.outbox()
                if r["kind"] == "transcript" and r["rcpt_to"] == who]
        self.assertTrue(rows, "no transcript to %s" % who)
        m = parse_mail(rows[-1]["message"])
        return m.get_body(("plain",)).get_content().replace("\r\n", "\n")

    def asset(self, tag):
        rows = self.desk.query(
            "SELECT a.*, p.email AS owner FROM assets a LEFT JOIN people p "
            "ON p.id = a.owner_id WHERE a.tag = ?", (tag,))
        return rows[0] if rows else None

    def events(self, tag):
        return self.desk.query(
            "SELECT e.kind, e.actor, e.detail, e.at, p.email AS owner FROM "
            "asset_events e JOIN assets a ON a.id = e.asset_id LEFT JOIN "
            "people p ON p.id = e.owner_id WHERE a.tag = ? ORDER BY e.id",
            (tag,))

    def count(self):
        return self.desk.scalar("SELECT count(*) FROM assets")

    def nevents(self):
        return self.desk.scalar("SELECT count(*) FROM asset_events")


class Commands(AssetDesk):
    """The control mail's asset commands (point 2)."""

    def test_add_give_status_note_return_show(self):
        t0 = int(time.time())
        text = self.control(
            "Hi,\n\n"
            'asset add LAP-0042 laptop "ThinkPad T14" serial=PF-123 '
            "owner=alice@corp.example warranty=2099-03-01 "
            "purchased=2024-01-10\n"
            "asset add mon-7 monitor Dell\n"
            "asset give MON-7 dan@corp.example\n"
            "asset status LAP-0042 in-repair\n"
            "asset note LAP-0042 new battery ordered\n"
            "asset return MON-7\n"
            "thanks\n")
        self.assertIn("All applied.", text)
        for line in ('asset add LAP-0042 laptop "ThinkPad T14"',
                     "asset give MON-7 dan@corp.example — ok",
                     "asset status LAP-0042 in-repair — ok",
                     "asset note LAP-0042 new battery ordered — ok",
                     "asset return MON-7 — ok"):
            self.assertIn(line, text)
        a = self.asset("LAP-0042")
        self.assertEqual((a["type"], a["model"], a["serial"], a["owner"],
                          a["status"], a["warranty_end"], a["purchased"]),
                         ("laptop", "ThinkPad T14", "PF-123",
                          "alice@corp.example", "in-repair", "2099-03-01",
                          "2024-01-10"))
        self.assertIn("new battery ordered", a["notes"])
        m = self.asset("MON-7")     # written lower-case, stored upper-case
        self.assertEqual((m["owner"], m["status"]), (None, "in-stock"))
        # every change an event, with its actor and time
        ev = self.events("MON-7")
        self.assertEqual([e["kind"] for e in ev],
                         ["added", "given", "returned"])
        self.assertEqual(ev[1]["owner"], "dan@corp.example")
        self.assertIsNone(ev[2]["owner"])
        for e in ev + self.events("LAP-0042"):
            self.assertEqual(e["actor"], ROOT)
            self.assertGreaterEqual(e["at"], t0 - 5)
        self.assertEqual([e["kind"] for e in self.events("LAP-0042")],
                         ["added", "status", "note"])

        # show and assets mail back what was asked
        text = self.control("asset show LAP-0042\nassets alice@corp.example\n")
        self.assertIn("All applied.", text)
        self.assertIn("Asset LAP-0042: laptop, ThinkPad T14", text)
        self.assertIn("Status: in-repair; owner: alice@corp.example", text)
        self.assertIn("warranty until: 2099-03-01", text)
        self.assertIn("added by root@corp.example; owner: alice@corp.example",
                      text)
        self.assertIn("Assets of alice@corp.example:", text)
        self.assertIn("LAP-0042  laptop, ThinkPad T14, in-repair", text)

    def test_refusals_apply_nothing(self):
        self.control("asset add LAP-1 laptop X owner=alice@corp.example\n")
        self.assertEqual(self.count(), 1)
        before = self.nevents()
        cases = [
            ("asset give NOPE-9 dan@corp.example", "there is no asset NOPE-9"),
            ("asset return NOPE-9", "there is no asset NOPE-9"),
            ("asset status NOPE-9 retired", "there is no asset NOPE-9"),
            ("asset note NOPE-9 hello", "there is no asset NOPE-9"),
            ("asset show NOPE-9", "there is no asset NOPE-9"),
            ("asset add lap-1 laptop Y", "asset LAP-1 exists already"),
            ("asset give LAP-1 zed@corp.example",
             "zed@corp.example is not known to the desk"),
            ("asset give LAP-1 eve@corp.example",
             "eve@corp.example may not use the desk (revoked)"),
            ("asset add LAP-2 laptop X owner=eve@corp.example",
             "eve@corp.example may not use the desk (revoked)"),
            ("asset add LAP-2 laptop X warranty=2026-02-30",
             "'2026-02-30' is not a date"),
            ("asset add LAP-2 laptop X purchased=31.12.2025",
             "'31.12.2025' is not a date"),
            ("asset add LAP-2 toaster X", "'toaster' is not a type"),
            ("asset add LAP-2 laptop X colour=red", "'colour' is not a key"),
            ("asset add LAP 2 laptop X", "was not expected"),
            ("asset give LAP-1 alice@corp.example",
             "alice@corp.example has LAP-1 already"),
            ("asset status LAP-1 in-use", "LAP-1 is in-use already"),
            ("asset status LAP-1 in-stock", "not in stock"),
            ("asset status LAP-1 broken", "'broken' is not in-use"),
            ("asset frobnicate LAP-1", "'frobnicate' is not add"),
            ("assets zed@corp.example", "zed@corp.example is not known"),
        ]
        for line, why in cases:
            # a good command first: whole or nothing
            text = self.control("asset add NEW-1 phone Pixel\n" + line + "\n")
            self.assertIn("Nothing was applied", text, line)
            self.assertIn(why, text, line)
            self.assertIn("asset add NEW-1 phone Pixel — ok", text)
            self.assertIsNone(self.asset("NEW-1"), line)
            self.assertEqual(self.nevents(), before, line)
        # a retired asset is not handed out; returned stays retired
        self.control("asset status LAP-1 retired\n")
        text = self.control("asset give LAP-1 dan@corp.example\n")
        self.assertIn("LAP-1 is retired", text)
        self.control("asset return LAP-1\n")
        self.assertEqual(self.asset("LAP-1")["status"], "retired")
        text = self.control("asset return LAP-1\n")
        self.assertIn("LAP-1 is in stock already", text)

    def test_who_may_send_them(self):
        self.control("asset add LAP-1 laptop X owner=alice@corp.example\n")
        # an admin: asset note, nothing else
        text = self.control("asset note LAP-1 fan noisy\n",
                            who="bob@corp.example")
        self.assertIn("All applied.", text)
        self.assertIn("fan noisy", self.asset("LAP-1")["notes"])
        self.assertEqual(self.events("LAP-1")[-1]["actor"],
                         "bob@corp.example")
        text = self.control("asset note LAP-1 again\nasset return LAP-1\n",
                            who="bob@corp.example")
        self.assertIn("only a root admin may send control mails", text)
        self.assertEqual(self.asset("LAP-1")["owner"], "alice@corp.example")
        self.assertNotIn("again", self.asset("LAP-1")["notes"])
        # a user: nothing
        text = self.control("asset note LAP-1 mine\n",
                            who="alice@corp.example")
        self.assertIn("only a root admin may send control mails", text)
        self.assertNotIn("mine", self.asset("LAP-1")["notes"])


class Shell(AssetDesk):
    """ticketctl asset (point 3)."""

    def test_commands_and_refusals(self):
        d = self.desk
        d.ctl("asset", "add", "LAP-0042", "laptop", "ThinkPad T14",
              "serial=PF-1", "owner=alice@corp.example",
              "warranty=2099-01-31")
        d.ctl("asset", "add", "MON-1", "Monitor", "-")
        d.ctl("asset", "give", "MON-1", "dan@corp.example")
        d.ctl("asset", "status", "MON-1", "in-repair")
        d.ctl("asset", "note", "MON-1", "dead", "pixel")
        d.ctl("asset", "return", "MON-1")
        self.assertEqual(self.asset("MON-1")["type"], "monitor")
        self.assertTrue(all(e["actor"].startswith("ticketctl (")
                            for e in self.events("MON-1")))
        self.assertEqual([e["kind"] for e in self.events("MON-1")],
                         ["added", "given", "status", "note", "returned"])
        n = self.nevents()
        for args, why in [
                (("give", "NOPE-1", "dan@corp.example"), "no asset NOPE-1"),
                (("return", "NOPE-1"), "no asset NOPE-1"),
                (("status", "NOPE-1", "retired"), "no asset NOPE-1"),
                (("add", "lap-0042", "laptop", "x"), "exists already"),
                (("give", "MON-1", "zed@corp.example"), "not known"),
                (("give", "MON-1", "eve@corp.example"), "revoked"),
                (("add", "X-1", "laptop", "x", "warranty=2025-13-01"),
                 "not a date"),
                (("add", "X-1", "toaster", "x"), "not a type"),
                (("status", "MON-1", "lost"), "is not in-use")]:
            r = d.ctl("asset", *args, check=1)
            self.assertIn(why, r.stderr, args)
        self.assertEqual(self.nevents(), n)
        self.assertIsNone(self.asset("X-1"))
        d.ctl("asset", "show", "bad tag!", check=64)

        out = d.ctl("asset", "list").stdout
        self.assertRegex(out, r"LAP-0042\tlaptop\tThinkPad T14\tin-use\t"
                         r"alice@corp.example\twarranty 2099-01-31\t0 tickets")
        self.assertIn("MON-1\tmonitor\t-\tin-stock\t-", out)
        rows = json.loads(d.ctl("asset", "list", "--json", "--owner",
                                "alice@corp.example").stdout)
        self.assertEqual([r["tag"] for r in rows], ["LAP-0042"])
        self.assertEqual(rows[0]["serial"], "PF-1")
        rows = json.loads(d.ctl("asset", "list", "--json", "--owner",
                                "none").stdout)
        self.assertEqual([r["tag"] for r in rows], ["MON-1"])
        rows = json.loads(d.ctl("asset", "list", "--json", "--status",
                                "in-use", "--type", "laptop").stdout)
        self.assertEqual(len(rows), 1)
        show = json.loads(d.ctl("asset", "show", "--json", "mon-1").stdout)
        self.assertEqual(show["asset"]["tag"], "MON-1")
        self.assertEqual([h["kind"] for h in show["history"]],
                         ["added", "given", "status", "note", "returned"])
        self.assertEqual(show["history"][1]["owner"], "dan@corp.example")
        text = d.ctl("asset", "show", "MON-1").stdout
        self.assertIn("Asset MON-1: monitor", text)
        self.assertIn("given by ticketctl", text)

    def test_warranty_filter(self):
        d = self.desk
        soon = time.strftime("%Y-%m-%d", time.localtime(time.time() +
                                                        10 * 86400))
        later = time.strftime("%Y-%m-%d", time.localtime(time.time() +
                                                         100 * 86400))
        d.ctl("asset", "add", "A-1", "laptop", "x", "warranty=" + soon)
        d.ctl("asset", "add", "A-2", "laptop", "x", "warranty=" + later)
        d.ctl("asset", "add", "A-3", "laptop", "x", "warranty=2001-01-01")
        d.ctl("asset", "add", "A-4", "laptop", "x")
        rows = json.loads(d.ctl("asset", "list", "--json",
                                "--warranty-days", "30").stdout)
        self.assertEqual([r["tag"] for r in rows], ["A-1"])

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        return path

    def test_import_bad_rows_named_nothing_written(self):
        d = self.desk
        path = self.write("bad.csv", (
            "tag,type,model,serial,owner,status,purchased,warranty,notes\r\n"
            "LAP-1,laptop,ThinkPad,S1,alice@corp.example,,,2099-01-01,\r\n"
            'PRN-1,printer,"HP ""Laser"", 4th",,,,,,"two\r\nlines"\r\n'
            "bad tag,laptop,x,,,,,,\r\n"                       # line 5
            "X-2,toaster,x,,,,,,\r\n"                          # 6
            "X-3,laptop,x,,zed@corp.example,,,,\r\n"           # 7
            "X-4,laptop,x,,eve@corp.example,,,,\r\n"           # 8
            "X-5,laptop,x,,,,2025-02-29,,\r\n"                 # 9
            "X-6,laptop,x,,,broken,,,\r\n"                     # 10
            "X-7,laptop,x\r\n"                                 # 11
            "lap-1,laptop,again,,,,,,\r\n"                     # 12
            'X-8,laptop,x"y,,,,,,\r\n'                         # 13
            "X-9,laptop,x,,,in-use,,,\r\n"                     # 14
            "X-10,laptop,x,,,,,,\r\n"))                        # 15 good
        r = d.ctl("asset", "import", path, check=1)
        err = r.stderr
        lines = {}
        for text in err.splitlines():
            m = re.match(re.escape(path) + r":(\d+): (.*)", text)
            if m:
                lines[int(m.group(1))] = m.group(2)
        for line, why in [(5, "'bad tag' is not a tag"),
                          (6, "'toaster' is not a type"),
                          (7, "zed@corp.example is not known"),
                          (8, "revoked"),
                          (9, "'2025-02-29' is not a date"),
                          (10, "'broken' is not in-use"),
                          (11, "3 fields, the header has 9"),
                          (12, "tag LAP-1 is on line 2 already"),
                          (13, "a quote inside a field that is not quoted"),
                          (14, "not in use")]:
            self.assertIn(why, lines.get(line, ""), (line, err))
        self.assertEqual(sorted(lines), list(range(5, 15)), err)
        self.assertIn("10 bad rows; nothing was imported", err)
        self.assertEqual(self.count(), 0)
        self.assertEqual(self.nevents(), 0)
        # --dry-run says the same and writes nothing either
        r = d.ctl("asset", "import", "--dry-run", path, check=1)
        self.assertIn("10 bad rows", r.stderr)
        self.assertEqual(self.count(), 0)
        # a file that is not CSV at all
        for text, why in [("", "a header row is required"),
                          ("tag,colour\r\n", "column 'colour' is not known"),
                          ("type,model\r\n", "no 'tag' column"),
                          (b"tag,type\r\nA-1,lap\x00top\r\n", "NUL"),
                          (b"tag,type\r\nA-1,\xff\xfe\r\n", "UTF-8"),
                          ('tag,type\r\nA-1,"laptop\r\n', "not closed")]:
            p = self.write("x.csv", text)
            r = d.ctl("asset", "import", p, check=1)
            self.assertIn(why, r.stderr)
        self.assertEqual(self.count(), 0)

    def test_import_dry_run_idempotent_export(self):
        d = self.desk
        d.ctl("asset", "add", "LAP-1", "laptop", "Old", "serial=S-OLD",
              "owner=alice@corp.example")
        path = self.write("good.csv", (
            "\ufefftag,type,model,owner,warranty,notes\n"
            "LAP-1,laptop,ThinkPad T14,alice@corp.example,2099-01-01,\n"
            'PRN-1,printer,"HP ""Laser"", 4th",,2001-01-01,"line one\n'
            'line two"\n'
            "MON-1,monitor,Dell,dan@corp.example,,\n"))
        n = self.nevents()
        out = d.ctl("asset", "import", "--dry-run", path).stdout
        self.assertIn("good.csv:2: LAP-1 changed (model: Old -> ThinkPad "
                      "T14; warranty: - -> 2099-01-01)", out)
        self.assertIn("good.csv:3: PRN-1 new", out)
        self.assertIn("good.csv:5: MON-1 new", out)
        self.assertIn("dry run, nothing written: 2 added, 1 changed", out)
        self.assertEqual(self.count(), 1)
        self.assertEqual(self.nevents(), n)
        out = d.ctl("asset", "import", path).stdout
        self.assertIn("2 added, 1 changed, 0 unchanged", out)
        self.assertEqual(self.count(), 3)
        a = self.asset("LAP-1")
        # a column the file does not have is kept
        self.assertEqual((a["model"], a["serial"], a["warranty_end"]),
                         ("ThinkPad T14", "S-OLD", "2099-01-01"))
        self.assertEqual(self.asset("PRN-1")["model"], 'HP "Laser", 4th')
        self.assertEqual(self.asset("PRN-1")["notes"], "line one\nline two")
        self.assertEqual(self.asset("MON-1")["status"], "in-use")
        self.assertEqual([e["kind"] for e in self.events("LAP-1")],
                         ["added", "changed"])
        # idempotent on the tag: the same file again changes nothing
        n = self.nevents()
        out = d.ctl("asset", "import", path).stdout
        self.assertIn("0 added, 0 changed, 3 unchanged", out)
        self.assertEqual(self.nevents(), n)

        # export: RFC 4180; importing it back changes nothing
        csv_text = d.ctl("asset", "export").out.decode("utf-8")
        self.assertTrue(csv_text.startswith(
            "tag,type,model,serial,owner,status,purchased,warranty,notes"
            "\r\n"))
        self.assertIn('PRN-1,printer,"HP ""Laser"", 4th",,,in-stock,,'
                      '2001-01-01,"line one\nline two"\r\n', csv_text)
        exported = self.write("export.csv", csv_text)
        out = d.ctl("asset", "import", exported).stdout
        self.assertIn("0 added, 0 changed, 3 unchanged", out)


class Linking(AssetDesk):
    """Tickets linked to devices, and the assignment notice (point 4)."""

    def setUp(self):
        super().setUp()
        d = self.desk
        d.ctl("asset", "add", "LAP-0042", "laptop", "ThinkPad T14",
              "owner=alice@corp.example", "warranty=2099-12-31")
        d.ctl("asset", "add", "MON-7", "monitor", "Dell U2720Q",
              "owner=alice@corp.example", "warranty=2020-01-31")
        d.ctl("asset", "add", "MON-8", "monitor", "Dell P2419H",
              "owner=alice@corp.example")
        d.ctl("asset", "add", "PRN-3", "printer", "HP 4050")

    def new(self, subject, body="It is broken.\n", sender="alice@corp.example"):
        self.desk.stdin(make_mail(subject=subject, sender=sender, body=body),
                        check=0)
        return self.desk.scalar("SELECT max(number) FROM tickets")

    def linked(self, n):
        rows = self.desk.query(
            "SELECT a.tag, x.how FROM ticket_assets x JOIN assets a ON "
            "a.id = x.asset_id WHERE x.ticket_number = ?", (n,))
        return (rows[0]["tag"], rows[0]["how"]) if rows else None

    def notice(self, kind, n):
        rows = [r for r in self.desk.outbox()
                if r["kind"] == kind and r["ticket_number"] == n]
        self.assertTrue(rows, "no %s notice for #%d" % (kind, n))
        m = parse_mail(rows[-1]["message"])
        return m.get_body(("plain",)).get_content().replace("\r\n", "\n")

    def test_named_by_header_and_subject(self):
        n = self.new("Screen flickers", body="Asset: mon-8\n\nIt flickers.\n")
        self.assertEqual(self.linked(n), ("MON-8", "header"))
        self.assertEqual(self.desk.scalar(
            "SELECT body FROM tickets WHERE number = ?", (n,)).rstrip(),
            "It flickers.")
        self.assertEqual(self.desk.scalar(
            "SELECT detail FROM events WHERE ticket_number = ? AND kind = "
            "'asset'", (n,)), "MON-8 (header)")
        # a shared device, named in the subject by someone else
        n = self.new("[PRN-3] toner streaks", sender="dan@corp.example")
        self.assertEqual(self.linked(n), ("PRN-3", "subject"))
        # brackets that are no registered tag link nothing
        n = self.new("[urgent] [x86] [IT-9] laptop slow")
        self.assertIsNone(self.linked(n))
        # an unknown tag in the Asset: line is said, not guessed at
        n = self.new("[hardware/laptop] Keyboard", body="Asset: LAP-9999\n\n"
                     "Keys stick.\n")
        self.assertEqual(self.linked(n), ("LAP-0042", "auto"))
        self.assertIn('There is no device "LAP-9999" in the registry',
                      self.notice("ack", n))

    def test_automatic_link_one_several_none(self):
        # exactly one laptop: linked
        n = self.new("[hardware/laptop] Battery drains")
        self.assertEqual(self.linked(n), ("LAP-0042", "auto"))
        # network maps to laptop too
        n = self.new("[network/vpn] VPN drops")
        self.assertEqual(self.linked(n), ("LAP-0042", "auto"))
        # two monitors: not guessed
        n = self.new("[hardware/monitor] Screen dark")
        self.assertIsNone(self.linked(n))
        # none: dan holds no laptop
        n = self.new("[hardware/laptop] Laptop slow", sender="dan@corp.example")
        self.assertIsNone(self.linked(n))
        # a category without a type: nothing
        n = self.new("[hardware/printer] Printer jams")
        self.assertIsNone(self.linked(n))
        # one monitor retired: then exactly one is left
        self.desk.ctl("asset", "status", "MON-8", "retired")
        n = self.new("[hardware/monitor] Screen dark again")
        self.assertEqual(self.linked(n), ("MON-7", "auto"))

    def test_admin_links_by_command(self):
        n = self.new("[@bob] Something is wrong")
        self.assertIsNone(self.linked(n))
        self.desk.stdin(make_mail(subject="Re: [IT #%d] Something" % n,
                                  sender="bob@corp.example", name="Bob",
                                  body="/asset mon-7\n\nIt is the monitor.\n"),
                        check=0)
        self.assertEqual(self.linked(n), ("MON-7", "admin"))
        self.desk.stdin(make_mail(subject="Re: [IT #%d] Something" % n,
                                  sender="bob@corp.example", name="Bob",
                                  body="/asset NOPE-1\n"), check=0)
        self.assertEqual(self.linked(n), ("MON-7", "admin"))
        rows = [r for r in self.desk.outbox() if r["kind"] == "transcript"]
        text = parse_mail(rows[-1]["message"]).get_body(
            ("plain",)).get_content()
        self.assertIn("/asset NOPE-1 — there is no asset NOPE-1", text)

    def test_assignment_notice(self):
        first = self.new("[hardware/laptop] [@bob] Battery drains")
        self.desk.stdin(make_mail(subject="Re: [IT #%d] Battery" % first,
                                  sender="bob@corp.example", name="Bob",
                                  body="/resolve new battery\n"), check=0)
        n = self.new("[hardware/laptop] [@bob] Battery again")
        text = self.notice("assigned", n)
        self.assertIn("Devices of alice@corp.example: LAP-0042 (laptop, "
                      "ThinkPad T14), MON-7 (monitor, Dell U2720Q), MON-8 "
                      "(monitor, Dell P2419H).", text)
        self.assertIn("This ticket is about LAP-0042 (laptop, ThinkPad T14; "
                      "the requester's only device of the ticket's "
                      "category).", text)
        self.assertIn("Warranty: valid until 2099-12-31.", text)
        self.assertIn("Earlier tickets about it: #%d Battery drains "
                      "(resolved)." % first, text)
        self.assertNotIn("{{", text)
        # the warranty that ended, and a device without earlier tickets
        n = self.new("[@bob] Lines on screen", body="Asset: MON-7\n\nLines.\n")
        text = self.notice("assigned", n)
        self.assertIn("Warranty: ended on 2020-01-31.", text)
        self.assertIn("Earlier tickets about it: none.", text)
        # a requester without devices, nothing linked: no line at all
        n = self.new("[@bob] Mail is slow", sender="dan@corp.example")
        text = self.notice("assigned", n)
        self.assertNotIn("Devices of", text)
        self.assertNotIn("This ticket is about", text)
        # the HTML part says it too
        rows = [r for r in self.desk.outbox() if r["kind"] == "assigned"]
        html = parse_mail(rows[1]["message"]).get_body(
            ("html",)).get_content()
        self.assertIn("Warranty: valid until 2099-12-31.", html)


class Config(DeskTest):

    def test_link_names_a_type_not_listed(self):
        sink = self.start_sink(start=False)
        desk = self.make_desk(None, sink, conf={
            "categories": CATS, "assets": {"types": "laptop, phone",
                                           "link": "hardware: monitor"}},
            init=False)
        r = desk.run("ticketd", ["-n"], check=None)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("[assets] link", r.stderr)
        self.assertIn('type "monitor" is not in [assets] types', r.stderr)
        desk.conf["assets"] = {"types": "laptop, Laptop"}
        desk.write_conf()
        r = desk.run("ticketd", ["-n"], check=None)
        self.assertIn('type "Laptop" is listed twice', r.stderr)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Pages(AssetDesk):
    """/assets, /a/TAG and the dashboard (point 5), over HTTP from the
    running daemon, and in headless Chromium."""

    def setUp(self):
        super().setUp()
        d = self.desk
        soon = time.strftime("%Y-%m-%d", time.localtime(time.time() +
                                                        10 * 86400))
        d.ctl("asset", "add", "LAP-0042", "laptop", "ThinkPad <T14>",
              "owner=alice@corp.example", "warranty=" + soon)
        d.ctl("asset", "add", "LAP-0043", "laptop", "ThinkPad T14",
              "owner=dan@corp.example", "warranty=2099-01-01")
        d.ctl("asset", "add", "MON-7", "monitor", "<script>alert(1)</script>")
        d.ctl("asset", "give", "MON-7", "dan@corp.example")
        d.ctl("asset", "return", "MON-7")
        for i in range(3):
            d.stdin(make_mail(subject="[LAP-0042] Battery %d" % i), check=0)
        d.stdin(make_mail(subject="[LAP-0043] Keyboard",
                          sender="dan@corp.example"), check=0)
        self.port = d.web_port
        self.secret = os.path.join(self.tmp, "web.secret")
        d.start()
        wait_until(lambda: port_open(self.port) or
                   d.daemon.poll() is not None, 20, what="the status page")
        self.assertIsNone(d.daemon.poll(), d.daemon_log())

    def get(self, path, status=200):
        import http.client
        c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=20)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read().decode("utf-8")
        finally:
            c.close()
        self.assertEqual(r.status, status, "%s: %s" % (path, body[:300]))
        return body

    def dkey(self):
        return web_desk_key(self.secret, int(time.time()) + 3600)

    def tags(self, **kw):
        kw["k"] = self.dkey()
        body = self.get("/assets?" + urllib.parse.urlencode(kw))
        return re.findall(r'<a class="mono" href="[^"]*/a/([A-Z0-9-]+)\?', body)

    def test_list_filters_counts_and_keys(self):
        k = self.dkey()
        body = self.get("/assets?k=" + k)
        self.assertIn("3 assets", body)
        self.assertIn("ThinkPad &lt;T14&gt;", body)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", body)
        self.assertNotIn("<script>", body)
        # ticket counts
        self.assertRegex(body, r"LAP-0042</a></td>.*?<td class=\"n\">3</td>")
        self.assertRegex(body, r"LAP-0043</a></td>.*?<td class=\"n\">1</td>")
        self.assertIn(">Assets</a>", body)         # in the nav
        self.assertEqual(self.tags(), ["LAP-0042", "LAP-0043", "MON-7"])
        self.assertEqual(self.tags(type="monitor"), ["MON-7"])
        self.assertEqual(self.tags(status="in-stock"), ["MON-7"])
        self.assertEqual(self.tags(owner="dan@corp.example"), ["LAP-0043"])
        self.assertEqual(self.tags(owner="none"), ["MON-7"])
        self.assertEqual(self.tags(warranty="30"), ["LAP-0042"])
        self.assertEqual(self.tags(type="laptop", status="in-use",
                                   warranty="30"), ["LAP-0042"])
        # keys: none, a ticket's, a forged or expired desk key
        for path in ("/assets", "/a/LAP-0042"):
            self.get(path, 403)
            self.get(path + "?k=" + web_ticket_key(self.secret, 1), 403)
            self.get(path + "?k=" + web_desk_key(
                self.secret, int(time.time()) - 10), 403)
            self.get(path + "?k=9999999999.AAAAAAAAAAAAAAAAAAAAAA", 403)
        # bad parameters
        for q in ("type=toaster", "status=lost", "owner=not-an-address",
                  "warranty=0", "warranty=99999", "warranty=x",
                  "colour=red", "q=x"):
            self.get("/assets?k=%s&%s" % (k, q), 400)
        self.get("/a/bad%20tag?k=" + k, 400)
        self.get("/a/-X?k=" + k, 400)
        self.get("/a/NOPE-1?k=" + k, 404)
        self.get("/a/LAP-0042?k=%s&type=laptop" % k, 400)
        # the pages are not in the nav without the desk key
        self.assertNotIn(">Assets</a>", self.get("/"))

    def test_asset_page_and_dashboard(self):
        k = self.dkey()
        body = self.get("/a/mon-7?k=" + k)
        self.assertIn("<h1>MON-7", body)
        self.assertIn("&lt;script&gt;", body)
        self.assertNotIn("<script>", body)
        self.assertIn("Owner history", body)
        owners = body[body.index("Owner history"):body.index("<h2>History")]
        self.assertEqual(re.findall(r"<td>(dan@corp.example|in stock)</td>",
                                    owners),
                         ["in stock", "dan@corp.example", "in stock"])
        self.assertIn("No ticket is about this asset.", body)
        body = self.get("/a/LAP-0042?k=" + k)
        self.assertEqual(len(re.findall(r'href="[^"]*/t/\d+\?k=', body)), 6)
        self.assertIn("Battery 2", body)
        self.assertIn("(valid)", body)
        # the dashboard: the busiest devices, most first
        body = self.get("/?k=" + k)
        self.assertIn("Devices with the most tickets", body)
        sec = body[body.index("Devices with the most tickets"):]
        self.assertLess(sec.index("LAP-0042"), sec.index("LAP-0043"))
        self.assertNotIn("MON-7", sec)
        self.assertRegex(sec, r"LAP-0042</a></td>.*?<td class=\"n\">3</td>")
        # open to all, but the tags are not links without the desk key
        body = self.get("/")
        self.assertIn("Devices with the most tickets", body)
        self.assertNotIn("/a/LAP-0042", body)
        # a ticket older than 90 days does not count
        self.desk.sql("UPDATE tickets SET created_at = created_at - "
                      "100 * 86400 WHERE subject LIKE '%Battery%'")
        body = self.get("/?k=" + k)
        sec = body[body.index("Devices with the most tickets"):]
        self.assertNotIn("LAP-0042", sec)
        self.assertIn("LAP-0043", sec)

    def test_pages_in_chromium(self):
        exe = chromium()
        if exe is None:
            raise unittest.SkipTest("headless Chromium is not installed")
        k = self.dkey()
        home = os.path.join(self.tmp, "chromium-home")
        os.makedirs(home, exist_ok=True)
        base = "http://%s:%d" % (LOOPBACK, self.port)

        def dom(path, shot):
            argv = [exe, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--user-data-dir=" +
                    os.path.join(home, "profile"), "--window-size=1280,900"]
            r = subprocess.run(argv + ["--dump-dom", base + path],
                               capture_output=True, timeout=180,
                               env=dict(os.environ, HOME=home))
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            if shot:
                out = os.path.join(self.tmp, shot + ".png")
                subprocess.run(argv + ["--screenshot=" + out,
                                       base + path], capture_output=True,
                               timeout=180, env=dict(os.environ, HOME=home))
                with open(out, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            return r.stdout.decode("utf-8")

        page = dom("/assets?k=" + k, "assets")
        self.assertIn("LAP-0042", page)
        self.assertIn("ThinkPad &lt;T14&gt;", page)
        # the browser built no script from the hostile model
        self.assertNotIn("<script>alert", page)
        self.assertIn('<option value="laptop">laptop</option>', page)
        page = dom("/a/LAP-0042?k=" + k, None)
        self.assertIn("Owner history", page)
        self.assertIn("alice@corp.example", page)
        self.assertIn("Battery 0", page)


if __name__ == "__main__":
    unittest.main()
