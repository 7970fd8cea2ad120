"""ticketctl ticket show / list (issue 7 point 6): assignee, category,
participants with their roles, attachments, comments (internal ones
marked) and history, the list's filters, --json's one documented object
shape, hostile stored text in JSON and on the terminal, bad arguments;
and private files (issue 8 point 7): under umask 022 everything ticketctl
and ticketd create is mode 0600."""

import email.message
import email.policy
import email.utils
import json
import os
import re
import sqlite3
import stat
import time

from harness import DeskTest, make_mail, wait_until

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}

# The documented members of a ticket object (ticketctl(8), JSON OUTPUT).
TICKET_KEYS = {"number", "subject", "status", "priority", "category",
               "subcategory", "requester", "assignee", "created_at",
               "updated_at", "assigned_at", "closed_at", "linked_to",
               "handovers", "body", "participants", "comments",
               "attachments", "history"}
PERSON_KEYS = {"email", "name"}
PARTICIPANT_KEYS = {"email", "name", "role", "added_at"}
COMMENT_KEYS = {"id", "author", "internal", "created_at", "body",
                "full_body"}
ATTACHMENT_KEYS = {"id", "comment_id", "filename", "media_type", "size",
                   "image", "inline", "kept", "note"}
EVENT_KEYS = {"id", "at", "kind", "actor", "detail"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806"
                    "0000001f15c4890000000d49444154789c6360000002000100"
                    "0521bc2f0000000049454e44ae426082")


def mail_with_attachment(subject, body, filename, data, ctype="image/png",
                         sender="alice@corp.example", name="Alice Example",
                         cc=None):
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = email.utils.formataddr((name, sender))
    m["To"] = "it@corp.example"
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
    m.set_content(body)
    maintype, subtype = ctype.split("/")
    m.add_attachment(data, maintype=maintype, subtype=subtype,
                     filename=filename)
    return m.as_bytes()


def is_time(v):
    return isinstance(v, str) and RFC3339.match(v) is not None


class ShowList(DeskTest):
    """Three tickets with what the desk records about them:

    #1 alice, hardware/printer, asked for bob, Cc dana, a screenshot;
       bob's internal note, bob hands it to carol, dana comments, carol
       resolves it.
    #2 erin, network/vpn, high, asked for bob.
    #3 alice, network, medium, made while assignment was manual: nobody's.
    """

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto"},
            "categories": CATS})
        d = self.desk
        d.stdin(mail_with_attachment(
            "[@bob] [hardware/printer] Printer jams",
            "The printer jams on every page.\n", "screenshot.png", PNG,
            cc="Dana Doe <dana@corp.example>"), check=0)
        self.reply("bob@corp.example", "/internal\n\nThe fuser is worn.\n",
                   name="Bob Admin")
        self.reply("bob@corp.example", "/assign carol@corp.example\n\n"
                   "Carol knows this model.\n", name="Bob Admin")
        self.reply("dana@corp.example", "Mine jams too.\n", name="Dana Doe")
        self.reply("carol@corp.example", "/resolve new fuser\n", name="Carol")
        d.stdin(make_mail(subject="[high] [@bob] [network/vpn] VPN down",
                          sender="erin@corp.example", name="Erin"), check=0)
        d.conf["helpdesk"]["assign"] = "manual"
        d.write_conf()
        d.stdin(make_mail(subject="[P2] [network] Wifi slow"), check=0)
        t = {r["number"]: r for r in d.tickets()}
        self.assertEqual(len(t), 3)
        self.assertEqual(t[1]["status"], "resolved")

    def reply(self, sender, body, n=1, name=None):
        self.desk.stdin(make_mail(subject="Re: [IT #%d] x" % n, body=body,
                                  sender=sender, name=name), check=0)

    def assertSubsequence(self, got, want):
        """want's items appear in got in this order."""
        it = iter(got)
        for w in want:
            for g in it:
                if g == w:
                    break
            else:
                self.fail("%r not in order in %r" % (w, got))

    def ctl_json(self, *args):
        r = self.desk.ctl(*args, "--json")
        self.assertEqual(r.err, b"")
        self.assertTrue(r.out.endswith(b"\n"))
        return json.loads(r.out)      # bytes: must be valid UTF-8

    # -- ticket show -----------------------------------------------------

    def test_show_text(self):
        out = self.desk.ctl("ticket", "show", "1").stdout
        head, _, rest = out.partition("\n\n")
        self.assertIn("Ticket:    #1\n", head)
        self.assertIn("Subject:   Printer jams\n", head)
        self.assertIn("Status:    resolved\n", head)
        self.assertIn("Category:  hardware/printer\n", head)
        self.assertIn("Requester: Alice Example <alice@corp.example>\n", head)
        self.assertIn("Assignee:  Carol <carol@corp.example>\n", head)
        self.assertRegex(head, r"Closed:    \d{4}-\d\d-\d\d \d\d:\d\d UTC")
        # in the order they joined; within one second requester, assignees,
        # Cc
        parts = [p.split(None, 1) for p in
                 head.split("Participants:\n", 1)[1].splitlines()]
        self.assertEqual(parts[0],
                         ["requester", "Alice Example <alice@corp.example>"])
        self.assertEqual(sorted(parts[1:]), [
            ["assignee", "Bob Admin <bob@corp.example>"],
            ["assignee", "Carol <carol@corp.example>"],
            ["cc", "Dana Doe <dana@corp.example>"]])
        self.assertTrue(rest.startswith("The printer jams on every page."))
        self.assertRegex(rest, r"--- internal comment \d+ from "
                               r"bob@corp\.example, [^\n]+\nThe fuser is worn\.")
        self.assertRegex(rest, r"--- comment \d+ from dana@corp\.example, "
                               r"[^\n]+\nMine jams too\.")
        self.assertNotRegex(rest, r"--- comment \d+ from bob@corp\.example, "
                                  r"[^\n]+\nThe fuser")
        self.assertRegex(rest, r"\n  \d+\tscreenshot\.png\timage/png\t"
                               r"%d bytes\timage\n" % len(PNG))
        hist = rest.split("\nHistory:\n", 1)[1].splitlines()
        rows = [h[2:].split("\t") for h in hist]
        # (other events may come between, as the desk learns to record more)
        self.assertSubsequence([r[1:] for r in rows], [
            ["created", "alice@corp.example", ""],
            ["assigned", "ticketd", "bob@corp.example"],
            ["internal-note", "bob@corp.example", "subject tag"],
            ["reassigned", "bob@corp.example", "carol@corp.example"],
            ["commented", "bob@corp.example", "subject tag"],
            ["commented", "dana@corp.example", "subject tag"],
            ["resolved", "carol@corp.example", "new fuser"],
            ["commented", "carol@corp.example", "subject tag"]])
        for r in rows:
            self.assertRegex(r[0], r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
        # --full shows the whole mail of a comment: the command line too
        full = self.desk.ctl("ticket", "show", "--full", "#1").stdout
        self.assertIn("/assign carol@corp.example", full)
        self.assertNotIn("/assign carol@corp.example", out)
        # an unassigned ticket, without category sub-part
        out3 = self.desk.ctl("ticket", "show", "3").stdout
        self.assertIn("Assignee:  -\n", out3)
        self.assertIn("Category:  network\n", out3)
        self.assertNotIn("Closed:", out3)

    def test_show_json_shape(self):
        t = self.ctl_json("ticket", "show", "1")
        self.assertEqual(set(t), TICKET_KEYS)
        self.assertEqual(t["number"], 1)
        self.assertEqual(t["subject"], "Printer jams")
        self.assertEqual((t["status"], t["priority"]), ("resolved", "low"))
        self.assertEqual((t["category"], t["subcategory"]),
                         ("hardware", "printer"))
        self.assertEqual(t["requester"], {"email": "alice@corp.example",
                                          "name": "Alice Example"})
        self.assertEqual(t["assignee"], {"email": "carol@corp.example",
                                         "name": "Carol"})
        for k in ("created_at", "updated_at", "assigned_at", "closed_at"):
            self.assertTrue(is_time(t[k]), k)
        self.assertIsNone(t["linked_to"])
        self.assertEqual(t["handovers"], 1)
        self.assertEqual(t["body"].strip(), "The printer jams on every page.")

        ps = [(p["email"], p["role"]) for p in t["participants"]]
        self.assertEqual(ps[0], ("alice@corp.example", "requester"))
        self.assertEqual(sorted(ps[1:]), [("bob@corp.example", "assignee"),
                                          ("carol@corp.example", "assignee"),
                                          ("dana@corp.example", "cc")])
        for p in t["participants"]:
            self.assertEqual(set(p), PARTICIPANT_KEYS)
            self.assertTrue(is_time(p["added_at"]))
        self.assertEqual([p["name"] for p in t["participants"]
                          if p["role"] == "cc"], ["Dana Doe"])

        cs = t["comments"]
        for c in cs:
            self.assertEqual(set(c), COMMENT_KEYS)
            self.assertIsInstance(c["id"], int)
            self.assertEqual(set(c["author"]), PERSON_KEYS)
            self.assertIsInstance(c["internal"], bool)
            self.assertTrue(is_time(c["created_at"]))
            self.assertIsInstance(c["body"], str)
            self.assertIsInstance(c["full_body"], str)
        self.assertEqual([(c["author"]["email"], c["internal"])
                          for c in cs],
                         [("bob@corp.example", True),
                          ("bob@corp.example", False),
                          ("dana@corp.example", False),
                          ("carol@corp.example", False)])
        self.assertEqual(cs[0]["body"].strip(), "The fuser is worn.")
        self.assertIn("/internal", cs[0]["full_body"])
        self.assertEqual(cs[0]["author"]["name"], "Bob Admin")

        a, = t["attachments"]
        self.assertEqual(set(a), ATTACHMENT_KEYS)
        self.assertIsInstance(a["id"], int)
        self.assertEqual((a["comment_id"], a["filename"], a["media_type"],
                          a["size"], a["image"], a["inline"], a["kept"],
                          a["note"]),
                         (None, "screenshot.png", "image/png", len(PNG),
                          True, False, True, None))
        # the id is the one ticketctl attachment takes
        r = self.desk.ctl("attachment", str(a["id"]))
        self.assertEqual(r.out, PNG)

        h = t["history"]
        for e in h:
            self.assertEqual(set(e), EVENT_KEYS)
            self.assertIsInstance(e["id"], int)
            self.assertTrue(is_time(e["at"]))
            self.assertIsInstance(e["kind"], str)
            self.assertTrue(e["actor"] is None or set(e["actor"]) ==
                            PERSON_KEYS)
        kinds = [(e["kind"], e["actor"] and e["actor"]["email"], e["detail"])
                 for e in h]
        self.assertSubsequence(kinds, [
            ("created", "alice@corp.example", None),
            ("assigned", None, "bob@corp.example"),
            ("internal-note", "bob@corp.example", "subject tag"),
            ("reassigned", "bob@corp.example", "carol@corp.example"),
            ("resolved", "carol@corp.example", "new fuser")])

        # the unassigned, open ticket: nulls where nothing is
        t3 = self.ctl_json("ticket", "show", "3")
        self.assertEqual(set(t3), TICKET_KEYS)
        self.assertEqual((t3["assignee"], t3["assigned_at"], t3["closed_at"],
                          t3["subcategory"], t3["handovers"]),
                         (None, None, None, None, 0))
        self.assertEqual((t3["category"], t3["priority"], t3["status"]),
                         ("network", "medium", "open"))
        self.assertEqual((t3["comments"], t3["attachments"]), ([], []))
        # --json and --full in either order; --full changes no JSON
        self.assertEqual(self.ctl_json("ticket", "show", "--full", "1"), t)

    # -- ticket list -----------------------------------------------------

    def listed(self, *args):
        out = self.desk.ctl("ticket", "list", *args).stdout
        return [l.split("\t") for l in out.splitlines()]

    def numbers(self, *args):
        text = [int(r[0].lstrip("#")) for r in self.listed(*args)]
        js = [t["number"] for t in self.ctl_json("ticket", "list", *args)]
        self.assertEqual(text, js, args)
        return text

    def test_list_text(self):
        rows = self.listed()
        self.assertEqual(rows, [
            ["#3", "open", "medium", "network", "-", "alice@corp.example",
             "Wifi slow"],
            ["#2", "assigned", "high", "network/vpn", "bob@corp.example",
             "erin@corp.example", "VPN down"],
            ["#1", "resolved", "low", "hardware/printer",
             "carol@corp.example", "alice@corp.example", "Printer jams"]])

    def test_list_filters(self):
        self.assertEqual(self.numbers(), [3, 2, 1])
        self.assertEqual(self.numbers("--status", "resolved"), [1])
        self.assertEqual(self.numbers("--status=assigned"), [2])
        self.assertEqual(self.numbers("--status", "open"), [3])
        self.assertEqual(self.numbers("--status", "rejected"), [])
        self.assertEqual(self.numbers("--priority", "high"), [2])
        self.assertEqual(self.numbers("--priority", "medium"), [3])
        self.assertEqual(self.numbers("--priority", "low"), [1])
        self.assertEqual(self.numbers("--category", "network"), [3, 2])
        self.assertEqual(self.numbers("--category", "NETWORK/VPN"), [2])
        self.assertEqual(self.numbers("--category", "hardware/laptop"), [])
        self.assertEqual(self.numbers("--category", "hardware"), [1])
        self.assertEqual(self.numbers("--admin", "carol@corp.example"), [1])
        self.assertEqual(self.numbers("--admin", "Bob@CORP.example"), [2])
        self.assertEqual(self.numbers("--admin", "none"), [3])
        self.assertEqual(self.numbers("--admin", "dana@corp.example"), [])
        self.assertEqual(self.numbers("--requester", "alice@corp.example"),
                         [3, 1])
        self.assertEqual(self.numbers("--requester", "erin@corp.example"), [2])
        self.assertEqual(self.numbers("--requester", "nobody@corp.example"),
                         [])
        self.assertEqual(self.numbers("-n", "1"), [3])
        self.assertEqual(self.numbers("-n", "2", "--requester",
                                      "alice@corp.example"), [3, 1])
        self.assertEqual(self.numbers("--category", "network", "--admin",
                                      "none", "--priority", "medium",
                                      "--status", "open", "--requester",
                                      "alice@corp.example"), [3])
        self.assertEqual(self.numbers("--category", "network", "--admin",
                                      "bob@corp.example", "--status", "open"),
                         [])

    def test_list_json_shape(self):
        ts = self.ctl_json("ticket", "list")
        self.assertIsInstance(ts, list)
        self.assertEqual([t["number"] for t in ts], [3, 2, 1])
        show = self.ctl_json("ticket", "show", "2")
        for t in ts:
            self.assertEqual(set(t), TICKET_KEYS)
            # what only ticket show fills in is null in a list
            for k in ("body", "participants", "comments", "attachments",
                      "history"):
                self.assertIsNone(t[k], k)
        t2 = ts[1]
        # the rest is the same as ticket show's
        for k in TICKET_KEYS - {"body", "participants", "comments",
                                "attachments", "history"}:
            self.assertEqual(t2[k], show[k], k)
        self.assertEqual(t2["assignee"], {"email": "bob@corp.example",
                                          "name": "Bob Admin"})
        self.assertEqual(t2["requester"], {"email": "erin@corp.example",
                                           "name": "Erin"})
        self.assertEqual((t2["category"], t2["subcategory"], t2["priority"]),
                         ("network", "vpn", "high"))
        # an empty result is an empty array
        self.assertEqual(self.ctl_json("ticket", "list", "--status",
                                       "rejected"), [])


class Mails(DeskTest):
    """ticketctl mail ID: a mail as it came, byte for byte, though the
    database keeps it compressed with its attachment's base64 as a
    reference to the stored attachment (schema 9)."""

    def test_mail_as_it_came(self):
        sink = self.start_sink()
        d = self.make_desk(None, sink)
        data = os.urandom(30000)
        raw = mail_with_attachment("Screen flickers", "See the photo.\n",
                                   "photo.jpg", data, ctype="image/jpeg")
        d.stdin(raw, check=0)
        reply = make_mail(subject="Re: [IT #1] Screen flickers",
                          body="It still does.\n")
        d.stdin(reply, check=0)
        rows = d.query("SELECT id, raw_form, length(raw) AS n, size FROM "
                       "mails ORDER BY id")
        self.assertEqual(len(rows), 2)
        first = rows[0]
        self.assertEqual(first["raw_form"], 3)      # compressed, refs
        self.assertLess(first["n"], 2000)
        self.assertEqual(first["size"], len(raw))
        out = d.ctl("ticket", "show", "1").out
        self.assertIn(b"Mails as they came (save one with 'ticketctl mail "
                      b"ID'):", out)
        self.assertIn(b"\t%d bytes\n" % len(raw), out)
        r = d.ctl("mail", str(first["id"]))
        self.assertEqual((r.rc, r.err), (0, b""))
        self.assertEqual(r.out, raw)
        r = d.ctl("mail", str(rows[1]["id"]))
        self.assertEqual(r.out, reply if isinstance(reply, bytes) else
                         reply.encode())
        # the harness reads the stored form the same way, independently
        self.assertEqual(d.mails()[0]["raw"], raw)
        r = d.ctl("mail", "999", check=1)
        self.assertEqual((r.rc, r.out), (1, b""))
        self.assertIn(b"no mail 999", r.err)
        r = d.ctl("mail", "x", check=64)
        self.assertEqual(r.rc, 64)


class Hostile(DeskTest):
    """Text stored from mail (or put in the database by anyone) may hold
    anything: JSON stays valid and means the same text; the terminal gets
    no control character."""

    # quotes, backslashes, ESC sequences, C0, DEL, C1 (U+009B = CSI),
    # bidi override, U+2028, and a tab and newline in a one-line field
    TEXT = ('say "hi" \\ back\\slash \x1b[31mred\x1b[0m \x1b]0;title\x07 '
            '\x01\x02\x7f \u009b2J \u202egnp.exe \u2028 tab\there\nnext')
    # invalid UTF-8 bytes as stored: a lone continuation, Latin-1, a cut
    # sequence, an overlong '/', a surrogate
    BAD = b"caf\xe9 \x80 \xc0\xaf \xed\xa0\x80 end \xe2\x9c"

    def test_hostile_strings(self):
        sink = self.start_sink()
        d = self.make_desk(None, sink, conf={
            "helpdesk": {"admins": "bob@corp.example", "assign": "auto"}})
        d.stdin(mail_with_attachment("Printer", "It jams.\n", "a.txt",
                                     b"text", ctype="text/plain"), check=0)
        d.stdin(make_mail(subject="Re: [IT #1] x", body="More.\n"), check=0)
        con = sqlite3.connect(d.db)
        t, bad = self.TEXT, self.BAD
        con.execute("UPDATE tickets SET subject = ?, body = CAST(? AS TEXT), "
                    "category = ?, subcategory = ?", (t, bad, t, t))
        con.execute("UPDATE people SET name = ? WHERE email = "
                    "'alice@corp.example'", (t,))
        con.execute("UPDATE comments SET body = ?, full_body = "
                    "CAST(? AS TEXT)", (t, bad))
        con.execute("UPDATE attachments SET filename = CAST(? AS TEXT), "
                    "note = ?", (bad, t))
        con.execute("UPDATE events SET detail = ?", (t,))
        con.commit()
        con.close()

        want_bad = bad.decode("utf-8", "replace")
        # Python replaces a cut or overlong sequence per maximal part, we
        # per byte: compare after folding runs of U+FFFD
        fold = lambda s: re.sub("\ufffd+", "\ufffd", s)

        # JSON: valid UTF-8 (json.loads of bytes), the same text back
        for args in (("ticket", "show", "1"), ("ticket", "list")):
            r = d.ctl(*args, "--json")
            for b in r.out:
                self.assertTrue(b >= 0x20 or b == 0x0a, r.out)
            self.assertNotIn(b"\xc2\x9b", r.out)
            self.assertNotIn("\u202e".encode(), r.out)
            self.assertNotIn("\u2028".encode(), r.out)
            obj = json.loads(r.out)
            t1 = obj if isinstance(obj, dict) else obj[0]
            self.assertEqual(t1["subject"], t)
            self.assertEqual(t1["category"], t)
            self.assertEqual(t1["subcategory"], t)
            self.assertEqual(t1["requester"]["name"], t)
        t1 = d.ctl("ticket", "show", "1", "--json").out
        t1 = json.loads(t1)
        self.assertEqual(fold(t1["body"]), fold(want_bad))
        self.assertEqual(t1["comments"][0]["body"], t)
        self.assertEqual(fold(t1["comments"][0]["full_body"]), fold(want_bad))
        self.assertEqual(fold(t1["attachments"][0]["filename"]),
                         fold(want_bad))
        self.assertEqual(t1["attachments"][0]["note"], t)
        self.assertTrue(all(e["detail"] == t for e in t1["history"]))

        # the terminal: no C0 but newline and tab, no DEL, no C1 (raw or
        # UTF-8), no bidi control, no invalid UTF-8
        for args in (("ticket", "show", "1"), ("ticket", "show", "--full",
                                                "1"), ("ticket", "list")):
            out = d.ctl(*args).out
            for b in out:
                self.assertTrue(b >= 0x20 and b != 0x7f or b in (0x0a, 0x09),
                                "%r in %r" % (b, out))
            text = out.decode("utf-8")        # strict: valid UTF-8
            for c in text:
                self.assertFalse(0x80 <= ord(c) <= 0x9f, repr(text))
                self.assertFalse(c in "\u202a\u202b\u202c\u202d\u202e"
                                      "\u2066\u2067\u2068\u2069", repr(text))
            self.assertIn('say "hi" \\ back\\slash ?[31mred?[0m', text)
        # one-line fields keep their tab-separated place in the list
        # (split on LF only: U+2028 is kept, and Python would split there)
        row = d.ctl("ticket", "list").stdout.rstrip("\n").split("\n")
        self.assertEqual(len(row), 1)
        self.assertEqual(len(row[0].split("\t")), 7)


class BadArguments(DeskTest):

    def test_bad_arguments_exit_64(self):
        d = self.make_desk()
        d.stdin(make_mail(), check=0)
        cases = [
            ("ticket",),
            ("ticket", "frob"),
            ("ticket", "list", "--status", "closed"),
            ("ticket", "list", "--status"),
            ("ticket", "list", "--status", "open", "--status", "open"),
            ("ticket", "list", "--priority", "urgent"),
            ("ticket", "list", "--category", ""),
            ("ticket", "list", "--category", "a/b/c"),
            ("ticket", "list", "--category", "a/"),
            ("ticket", "list", "--category", "/b"),
            ("ticket", "list", "--category", "x" * 65),
            ("ticket", "list", "--admin", "bob"),
            ("ticket", "list", "--admin", "<bob@corp.example>"),
            ("ticket", "list", "--requester", "none"),
            ("ticket", "list", "--requester", "a b@corp.example"),
            ("ticket", "list", "-n", "0"),
            ("ticket", "list", "-n", "abc"),
            ("ticket", "list", "-n", "1000000"),
            ("ticket", "list", "-n"),
            ("ticket", "list", "--json=yes"),
            ("ticket", "list", "--full"),
            ("ticket", "list", "--frob"),
            ("ticket", "list", "1"),
            ("ticket", "show"),
            ("ticket", "show", "abc"),
            ("ticket", "show", "0"),
            ("ticket", "show", "-1"),
            ("ticket", "show", "1", "2"),
            ("ticket", "show", "--status", "open", "1"),
            ("ticket", "show", "--json", "--json", "1"),
            ("ticket", "show", "99999999999999999999999"),
        ]
        for args in cases:
            r = d.ctl(*args, check=64)
            self.assertEqual(r.out, b"", args)
            self.assertRegex(r.stderr, r"^ticketctl: ticket|^usage:", args)
        r = d.ctl("ticket", "list", "--status", "closed", check=64)
        self.assertIn('--status: "closed" is not open, assigned, resolved or '
                      'rejected', r.stderr)
        r = d.ctl("ticket", "list", "--category", "a/b/c", check=64)
        self.assertIn('--category: "a/b/c" is not CATEGORY or '
                      'CATEGORY/SUBCATEGORY', r.stderr)
        r = d.ctl("ticket", "list", "--admin=bob", check=64)
        self.assertIn('--admin: "bob" is not a mail address', r.stderr)
        r = d.ctl("ticket", "list", "--frob", check=64)
        self.assertIn("--frob: is not an option", r.stderr)
        r = d.ctl("ticket", "show", "abc", check=64)
        self.assertIn('"abc" is not a ticket number', r.stderr)
        # a number that is no ticket is not a usage error
        r = d.ctl("ticket", "show", "42", check=1)
        self.assertIn("no ticket #42", r.stderr)
        r = d.ctl("ticket", "show", "42", "--json", check=1)
        self.assertEqual(r.out, b"")
        # "--" ends the options
        self.assertIn("Ticket:    #1", d.ctl("ticket", "show", "--",
                                             "1").stdout)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class FileModes(DeskTest):
    """Issue 8 point 7: under umask 022 the database, its -wal and -shm and
    every file ticketctl and ticketd create are 0600."""

    def setUp(self):
        super().setUp()
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)

    def ours(self, d):
        """Files in the desk's directory the test did not write itself."""
        skip = {"imap.pass", "smtp.pass", "ticketd.conf", ".pgids",
                "ticketd.stderr"}
        return {n: mode(os.path.join(d.dir, n)) for n in os.listdir(d.dir)
                if n not in skip and os.path.isfile(os.path.join(d.dir, n))}

    def test_init_stdin_once_daemon(self):
        dove = self.start_dovecot()
        sink = self.start_sink()
        d = self.make_desk(dove, sink)
        self.assertEqual(self.ours(d), {"ticketd.db": 0o600,
                                        "web.secret": 0o600})
        d.stdin(make_mail(subject="by pipe"), check=0)
        files = self.ours(d)
        self.assertIn("ticketd.db", files)
        self.assertTrue(all(m == 0o600 for m in files.values()), files)
        dove.append(make_mail(subject="by IMAP"))
        d.once()
        files = self.ours(d)
        self.assertTrue(all(m == 0o600 for m in files.values()), files)
        self.assertEqual(d.ticket_count(), 2)
        # while the daemon runs, its -wal and -shm are there: private
        d.start()
        dove.append(make_mail(subject="to the daemon"))
        wait_until(lambda: d.ticket_count() == 3, 30, what="third ticket")
        files = self.ours(d)
        self.assertIn("ticketd.db-wal", files)
        self.assertIn("ticketd.db-shm", files)
        self.assertTrue(all(m == 0o600 for m in files.values()), files)
        # ticketctl reading beside it changes nothing
        d.ctl("ticket", "list")
        d.ctl("ticket", "show", "3", "--json")
        self.assertTrue(all(m == 0o600 for m in self.ours(d).values()))
        d.stop()

    def test_readable_database_made_private(self):
        """A database made by an older ticketctl under umask 022 (0644):
        ticketd takes the group and other bits off it, so that the -wal
        and -shm SQLite makes with the database's mode are private too."""
        d = self.make_desk()
        os.chmod(d.db, 0o644)
        # ticketctl only reads: it changes nothing
        d.ctl("ticket", "list")
        self.assertEqual(mode(d.db), 0o644)
        r = d.stdin(make_mail(), check=0)
        self.assertIn("now only by its owner", r.stderr)
        files = self.ours(d)
        self.assertTrue(all(m == 0o600 for m in files.values()), files)

    def test_init_refuses_symlink(self):
        """init makes a new file and never writes through a link."""
        d = self.make_desk(init=False)
        target = os.path.join(self.tmp, "elsewhere")
        os.symlink(target, d.db)
        r = d.ctl("init", check=1)
        self.assertIn("exists already", r.stderr)
        self.assertFalse(os.path.exists(target))
