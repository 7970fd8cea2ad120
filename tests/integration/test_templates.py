"""No notice ever shows a template placeholder, and the text part has no
Markdown (issue 7, point 3). Every kind of notice is made through
`ticketd --stdin`, in every context the code writes it in, and every
message in the outbox is read back, both parts decoded.

The contexts come from the one table in the code (pipeline_templates in
src/pipeline.c, printed by the tplvars test tool): the second test gives
the desk override templates that print every variable of that table, so a
variable the table promises but the code does not pass shows as "{{", and
a template that no mail here produces fails the test. A new notice needs a
row in that table and a mail in drive_every_notice() below."""

import email.message
import email.utils
import os
from html.parser import HTMLParser
import re
import subprocess
import time

from harness import REPO, DeskTest, make_mail, parse_mail, tool_path

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi"}


def attachment_mail(subject, body, size):
    m = email.message.EmailMessage()
    m["From"] = "Alice Example <alice@corp.example>"
    m["To"] = "it@corp.example"
    m["Cc"] = "Carol <carol@corp.example>"
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="client.corp.example")
    m.set_content(body)
    m.add_attachment(b"x" * size, maintype="application",
                     subtype="octet-stream", filename="dump.bin")
    return m.as_bytes()


def drive_every_notice(desk):
    """Mails that make every notice, in every context: returns nothing,
    the notices are in desk.outbox()."""
    def send(raw):
        desk.stdin(raw, check=0)

    def reply(body, who, subject="Re: [IT #1] Printer jams"):
        send(make_mail(subject=subject, body=body, sender=who, name=None))

    # 1: an ack with every note (a category and a priority that do not
    # exist, an attachment too large), assigned to bob with attachments;
    # carol (Cc) is on the ticket
    send(attachment_mail("[@bob] Printer jams",
                         "Category: bogus/thing\nPriority: extreme\n\n"
                         "The printer *jams* on [every] page.\n", 4096))
    # 2: a colleague not on #1 writes with its tag: linked to #1
    send(make_mail(subject="Re: [IT #1] Printer jams", body="me too",
                   sender="mallory@corp.example", name="Mallory"))
    # 3: an ack without any note, and its assignment without attachments
    send(make_mail(subject="Mouse broken", sender="erin@corp.example",
                   name="Erin"))
    # access denied
    send(make_mail(subject="Let me in", sender="dave@partner.example",
                   name="Dave"))
    # the manual, to a user who asks for it (ticketd-mail(7), HELP)
    send(make_mail(subject="help", sender="erin@corp.example", name="Erin"))
    # a change too late, and alice's comment relayed to the others
    reply("It is urgent!", "alice@corp.example",
          subject="Re: [IT #1] [high] Printer jams")
    # an internal note (to carol), then commands with a greeting:
    # a transcript, a handover to carol, a comment to alice
    reply("/internal\n\nThe fuser is worn.\n", "bob@corp.example")
    reply("Hi Alice,\n/priority high\n/assign carol\n\nCarol takes it.\n",
          "bob@corp.example")
    # a refused transcript, then resolved
    reply("/resolve\n/frobnicate\n", "carol@corp.example")
    reply("/resolve toner replaced\n\nDone.\n", "carol@corp.example")
    # control mails: applied (a rejection and the report), refused, empty
    send(make_mail(subject="control", sender="root@corp.example", name=None,
                   body="Hi,\nreject 2 duplicate of #1\nreassign 3 "
                   "carol@corp.example\nreport\nthanks\n-- \nRoot\n"))
    send(make_mail(subject="control", sender="root@corp.example", name=None,
                   body="reasign 1 bob@corp.example\n"))
    send(make_mail(subject="control", sender="root@corp.example", name=None,
                   body="Hello\n"))
    # a flood: zed's fourth new ticket within the hour is held (the root
    # admins are told)
    for i in range(4):
        send(make_mail(subject="Zed %d" % i, sender="zed@corp.example",
                       name="Zed"))
    # bob over the notice rate limit: his next assignment waits for a digest
    keep = desk.conf["helpdesk"]["max_notices_per_hour"]
    desk.conf["helpdesk"]["max_notices_per_hour"] = "1"
    desk.write_conf()
    send(make_mail(subject="[@bob] Keyboard", sender="yan@corp.example",
                   name="Yan"))
    desk.conf["helpdesk"]["max_notices_per_hour"] = keep
    desk.write_conf()
    # every admin away: a new ticket goes to the root admins' queue
    send(make_mail(subject="control", sender="root@corp.example", name=None,
                   body="away bob@corp.example\naway carol@corp.example\n"))
    send(make_mail(subject="Screen dark", sender="ula@corp.example",
                   name="Ula"))
    # the SLA clock: #3 (low, 3 days) is warned at 80 %, then breaches; its
    # admin gives the reason; the daily digest goes out (digest_at 00:00)
    desk.sql("UPDATE people SET away_until = NULL")
    now = int(time.time())
    try:
        for later in (int(2.5 * 86400), 4 * 86400):
            os.environ["TICKETD_NOW"] = str(now + later)
            send(make_mail(subject="tick", headers=[
                "Auto-Submitted: auto-generated"]))
        reply("/reason the part is on order\n", "carol@corp.example",
              subject="Re: [IT #3] Mouse broken")
    finally:
        os.environ.pop("TICKETD_NOW", None)
    # the knowledge base (issue 11): carol publishes #1 (the article's
    # notice), a new ticket about the printer gets it suggested, and its
    # requester closes it with /solved (its admin is told)
    reply("/publish Printer jams: replace the toner\n", "carol@corp.example")
    send(make_mail(subject="My printer jams",
                   body="The printer jams on every page. Toner?\n",
                   sender="vic@corp.example", name="Vic"))
    n = desk.scalar("SELECT max(number) FROM tickets")
    reply("/solved\n\nThe article helped.\n", "vic@corp.example",
          subject="Re: [IT #%d] My printer jams" % n)


def flat(text):
    """White space folded: the text part is wrapped at 72 columns."""
    return " ".join(text.split())


def parts(row):
    """The text/plain and text/html parts of an outbox row, decoded."""
    m = parse_mail(row["message"])
    return (m.get_body(("plain",)).get_content(),
            m.get_body(("html",)).get_content())


def table():
    """pipeline_templates: {name: [variables]} from the tplvars tool."""
    out = subprocess.run([tool_path("tplvars")], capture_output=True,
                         check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return {r[0]: r[1:] for r in rows}


class BuiltinTemplates(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto", "max_notices_per_hour": "1000",
                         "max_new_tickets_per_hour": "3",
                         "max_attachment_bytes": "1024"},
            "sla": {"digest_at": "00:00"},
            "categories": CATS})

    def test_every_notice_reads_right(self):
        drive_every_notice(self.desk)
        rows = self.desk.outbox()
        kinds = {r["kind"] for r in rows}
        self.assertEqual(kinds, {"ack", "assigned", "comment", "resolved",
                                 "rejected", "transcript", "refused-change",
                                 "access-denied", "report", "flood",
                                 "digest", "unassigned", "sla-warning",
                                 "sla-breach", "sla-escalation",
                                 "sla-reason", "daily-digest",
                                 "kb-article", "kb-solved", "help"})
        for r in rows:
            text, html = parts(r)
            where = "%s to %s:\n%s" % (r["kind"], r["rcpt_to"], text)
            self.assertNotIn("{{", text, where)
            self.assertNotIn("{{", html, where)
            self.assertNotIn("}}", text, where)
            # no Markdown in the text part; the template's own emphasis
            # is gone, the values are as written
            self.assertNotIn("**", text, where)
            self.assertNotIn("\\", text, where)
            self.assertIn("— IT help desk", text, where)
            # plain text wrapped at 72 columns (issue 16)
            for line in text.splitlines():
                self.assertLessEqual(len(line), 72, where)
        ack = flat([parts(r)[0] for r in rows if r["kind"] == "ack"][0])
        self.assertIn("opened ticket #1:", ack)
        self.assertIn("Please quote [IT #1] whenever", ack)
        self.assertIn("There is no category", ack)
        self.assertIn("There is no priority", ack)
        self.assertIn("dump.bin", ack)
        assigned = [flat(parts(r)[0]) for r in rows
                    if r["kind"] == "assigned"]
        self.assertIn("> The printer *jams* on [every] page.", assigned[0])
        self.assertIn("<alice@corp.example>", assigned[0])
        control = [parts(r)[0] for r in rows if r["kind"] == "transcript"
                   and r["rcpt_to"] == "root@corp.example"]
        self.assertEqual(len(control), 4)
        for t in control:
            self.assertTrue(t.startswith("Your control mail:"), t)
            self.assertNotIn("ticket #", t)


class EveryVariable(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.tpl = table()
        self.dir = os.path.join(self.tmp, "templates")
        os.mkdir(self.dir)
        for name, names in self.tpl.items():
            with open(os.path.join(self.dir, name + ".md"), "w") as f:
                f.write("TEMPLATE %s\n\n" % name)
                for v in names:
                    f.write("%s=[{{%s}}]\n\n" % (v, v))
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example, carol@corp.example",
                         "assign": "auto", "max_notices_per_hour": "1000",
                         "max_new_tickets_per_hour": "3",
                         "max_attachment_bytes": "1024",
                         "templates": self.dir},
            "sla": {"digest_at": "00:00"},
            "categories": CATS})

    def test_the_table_is_every_template(self):
        files = {f[:-3] for f in os.listdir(os.path.join(REPO, "templates"))
                 if f.endswith(".md")}
        self.assertEqual(set(self.tpl), files)

    def test_the_man_page_lists_every_placeholder(self):
        """ticketd.conf(5) lists the placeholders of each template as the
        code gives them (issue 16, point 4)."""
        with open(os.path.join(REPO, "man", "ticketd.conf.5")) as f:
            man = f.read().splitlines()
        listed, name = {}, None
        for line in man:
            m = re.match(r"\.It Pa (\S+)\.md$", line)
            if m:
                name = m.group(1)
                listed[name] = []
            elif line.startswith("."):
                name = None
            elif name is not None:
                listed[name] += [w for w in re.split(r"[,\s]+", line) if w]
        self.assertEqual(listed, self.tpl)

    def test_the_code_gives_every_variable_of_the_table(self):
        drive_every_notice(self.desk)
        seen = set()
        for r in self.desk.outbox():
            text, html = parts(r)
            m = re.match(r"TEMPLATE (\S+)", text)
            self.assertIsNotNone(m, text)
            seen.add(m.group(1))
            self.assertNotIn("{{", text, text)
            self.assertNotIn("{{", html, text)
            for v in self.tpl[m.group(1)]:
                self.assertIn("%s=[" % v, text)
        self.assertEqual(seen, set(self.tpl),
                         "templates no mail here produced")


class BrokenOverride(DeskTest):
    """An override that would show "{{" is refused at start with its file
    and line (ticketd -n fails on it), and the built-in template is used:
    the desk keeps taking mail in (issue 16, point 4)."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.dir = os.path.join(self.tmp, "templates")
        os.mkdir(self.dir)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"templates": self.dir}})

    def test_unknown_placeholder_refused(self):
        n = 0
        for name, text, shown, line in (
                ("ack", "Ticket\n\nnumber {{nmber}}\n", "{{nmber}}", 3),
                ("ack", "Ticket {{number}}\n\\{\\{literal}}\n",
                 "{{literal}}", 2),
                ("ack", "Fine {{number}}\n\uE000 private\n", "U+E000", 2)):
            path = os.path.join(self.dir, name + ".md")
            with open(path, "w") as f:
                f.write(text)
            where = "%s:%d:" % (path, line)
            r = self.desk.run("ticketd", ["-n"], check=1)
            self.assertIn(where, r.stderr)
            self.assertIn(shown, r.stderr)
            # the mail is taken in; the notice is the built-in one
            r = self.desk.stdin(make_mail(subject="Case %d" % n), check=0)
            n += 1
            self.assertIn(where, r.stderr)
            self.assertIn("the built-in %s.md is used" % name, r.stderr)
            self.assertEqual(self.desk.ticket_count(), n)
            ack = [x for x in self.desk.outbox() if x["kind"] == "ack"][-1]
            self.assertIn("we have received your request", flat(parts(ack)[0]))
            os.unlink(path)
        self.desk.run("ticketd", ["-n"], check=0)
        # a good override is used as it is
        with open(os.path.join(self.dir, "ack.md"), "w") as f:
            f.write("Our own words for #{{number}}.\n")
        r = self.desk.stdin(make_mail(subject="Good"), check=0)
        self.assertNotIn("refused", r.stderr)
        ack = [x for x in self.desk.outbox() if x["kind"] == "ack"][-1]
        self.assertEqual(parts(ack)[0].replace("\r\n", "\n"),
                         "Our own words for #%d.\n" % (n + 1))


# Bodies whose words must arrive exactly (issue 16, point 1): Markdown and
# HTML characters, markers that are not markup, trailing spaces and
# backslashes, paragraphs, long lines, right-to-left and combining text.
EXACT_BODIES = [
    "Hi,\nthe printer is broken.\n\nThanks,\nAlice\\",
    "* _ # > \\ [ ] ( ) < & ` and ``backticks`` *not emphasis* __nor__",
    "1. not a list\n- not an item\n# not a heading\n> not a quote",
    "<b>not bold</b> <script>alert(1)</script> &amp; &lt;tag&gt;",
    "[a](http://evil.example/) ![i](http://evil.example/i.png)",
    "trailing spaces   \nand a backslash \\\nand more\\",
    "first paragraph\n\nsecond paragraph\n\n\nthird",
    "A long line " + "that goes on " * 12 + "and ends.",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd (right to left) "
    "\u0645\u0631\u062d\u0628\u0627",
    "combining: e\u0301 a\u030a n\u0303, wide: \u6253\u5370\u673a \U0001f5a8",
    "    indented like code\n```\nfenced\n```\n---",
]


class _Text(HTMLParser):
    """The text of an HTML part, as a reader sees it: <br>, cells and
    paragraphs end words."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "td", "p", "th", "tr", "table"):
            self.out.append(" ")

    def handle_data(self, data):
        self.out.append(data)


def html_text(html):
    p = _Text()
    p.feed(html)
    p.close()
    return "".join(p.out)


def unquote(text):
    """One level of "> " off the quoted lines of the text part."""
    out = []
    for line in text.splitlines():
        if line.startswith("> "):
            line = line[2:]
        elif line == ">":
            line = ""
        out.append(line)
    return "\n".join(out)


class WordsExact(DeskTest):
    """Issue 16, point 1: each body of the table is mailed to the desk;
    the assignment notice (the body quoted) and the comment relay carry it
    in both parts exactly, white space folded: the HTML part read by
    Python's HTML parser, the text part with its quote marks off."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"admins": "bob@corp.example", "assign": "auto",
                         "max_notices_per_hour": "1000"}})

    def test_bodies_arrive_exactly(self):
        for i, body in enumerate(EXACT_BODIES):
            self.desk.stdin(make_mail(subject="Case %d" % i, body=body + "\n",
                                      sender="alice@corp.example",
                                      name="Alice"), check=0)
        rows = [r for r in self.desk.outbox() if r["kind"] == "assigned"]
        self.assertEqual(len(rows), len(EXACT_BODIES))
        for body, row in zip(EXACT_BODIES, rows):
            text, html = parts(row)
            want = flat(body)
            got_html = flat(html_text(html))
            got_text = flat(unquote(text))
            self.assertIn(" " + want + " ", " " + got_html + " ",
                          "HTML part of %r:\n%s" % (body, html))
            self.assertIn(" " + want + " ", " " + got_text + " ",
                          "text part of %r:\n%s" % (body, text))
            # nothing more in the quote than the subject and the words
            self.assertNotIn(want + " \\", got_html)
            self.assertNotIn("<em>", html)
            self.assertNotIn("<script", html)
