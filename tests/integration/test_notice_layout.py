"""Issue 16: the notices seen, not assumed. One seeded scenario
(test_templates.drive_every_notice, plus a ticket and a comment that carry a
picture) makes every kind of notice; each HTML part is linted (no <style>,
<script>, class, remote src or href other than the ticket's page, under
100 kB, a single-column table at most 640 px wide, one accent colour,
every text colour readable on its background), each text part is checked
(facts first, no line over 72 columns), the links are checked with and
without a page, and headless Chromium draws each notice into the test's
directory. With $TICKETD_SCREENSHOTS set (`make screenshots`), the
assignment notice and a transcript are copied there as notice-assigned.png
and notice-transcript.png, the pictures README.md shows."""

import base64
import colorsys
import email
import email.policy
import os
import re
import shutil
import tempfile
import unittest
from html.parser import HTMLParser

from harness import DeskTest, log
from test_templates import CATS, drive_every_notice, flat
from test_web import chromium, mail, printer_png

BASE = "https://desk.corp.example/it"

# every notice about one ticket starts with its facts
TICKET_KINDS = {"ack", "assigned", "comment", "resolved", "rejected",
                "transcript", "refused-change", "unassigned", "sla-warning",
                "sla-breach", "sla-escalation", "sla-reason", "kb-article",
                "kb-solved"}
# the notices the issue names, which the scenario must make
NAMED_KINDS = {"ack", "assigned", "comment", "resolved", "rejected",
               "access-denied", "transcript", "report", "sla-warning",
               "sla-breach", "sla-escalation", "sla-reason"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


def message(row):
    return email.message_from_bytes(row["message"], policy=email.policy.SMTP)


def parts(row):
    m = message(row)
    return (m.get_body(("plain",)).get_content(),
            m.get_body(("html",)).get_content())


def related_images(row):
    """{content-id: (type, bytes)} of the parts the HTML part shows."""
    out = {}
    for p in message(row).walk():
        cid = p.get("Content-ID")
        if cid and p.get_content_maintype() == "image":
            out[cid.strip("<>")] = (p.get_content_type(),
                                    p.get_payload(decode=True))
    return out


def parse_colour(v):
    v = v.strip().lower()
    m = re.fullmatch(r"#([0-9a-f]{6})", v)
    if m:
        h = m.group(1)
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
    m = re.fullmatch(r"#([0-9a-f]{3})", v)
    if m:
        return tuple(int(c * 2, 16) for c in m.group(1))
    return None


def luminance(rgb):
    def ch(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (ch(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def style_of(attrs):
    d = {}
    for decl in (dict(attrs).get("style") or "").split(";"):
        if ":" in decl:
            k, v = decl.split(":", 1)
            d[k.strip().lower()] = v.strip()
    return d


class Lint(HTMLParser):
    """What the lint needs from an HTML part."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.tags = []
        self.urls = []          # (attribute, value)
        self.colours = set()    # every colour in a style
        self.widths = []        # px widths of tables and cells
        self.stack = []         # (tag, colour, background)
        self.text = []

    def where(self):
        return "/".join(t for t, _, _ in self.stack[-4:])

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "class" in a:
            self.problems.append("class=%r on <%s>" % (a["class"], tag))
        for k in ("src", "href", "background", "srcset", "action"):
            if k in a:
                self.urls.append((k, a[k] or ""))
        st = style_of(attrs)
        for k, v in st.items():
            if "url(" in v:
                self.problems.append("url() in style %s" % k)
            for c in re.findall(r"#[0-9a-fA-F]{3,6}\b", v):
                self.colours.add(parse_colour(c))
            m = re.fullmatch(r"(\d+)px", st.get("width", "")) \
                if k == "width" else None
            if m:
                self.widths.append(int(m.group(1)))
            m = re.fullmatch(r"(\d+)px", v) if k == "max-width" else None
            if m:
                self.widths.append(int(m.group(1)))
        if (a.get("width") or "").isdigit():
            self.widths.append(int(a["width"]))
        colour = parse_colour(st["color"]) if "color" in st else None
        bg = parse_colour(st["background-color"]) \
            if "background-color" in st else None
        up_colour = next((c for _, c, _ in reversed(self.stack) if c), None)
        up_bg = next((b for _, _, b in reversed(self.stack) if b), None)
        if colour is not None:
            back = bg or up_bg
            if back is None:
                self.problems.append("colour without a background at %s"
                                     % self.where())
            elif contrast(colour, back) < 4.5:
                self.problems.append("contrast %.2f at %s <%s>" % (
                    contrast(colour, back), self.where(), tag))
        if bg is not None and colour is None and up_colour is not None \
                and contrast(up_colour, bg) < 4.5:
            self.problems.append("inherited text on %s: contrast %.2f" % (
                st["background-color"], contrast(up_colour, bg)))
        if tag not in VOID:
            self.stack.append((tag, colour, bg))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and self.stack and self.stack[0][0] == "html":
            if not any(c for _, c, _ in self.stack):
                self.problems.append("text without a colour: %r" % data)
        self.text.append(data)


def lint(html, base):
    """Problems of one HTML part (an empty list when it is right)."""
    p = Lint()
    p.feed(html)
    p.close()
    out = list(p.problems)
    low = html.lower()
    for bad in ("<style", "<script", "<link", "<iframe", "<object",
                "<form", "javascript:", "@import"):
        if bad in low:
            out.append("has %s" % bad)
    if len(html.encode()) >= 100 * 1024:
        out.append("%d bytes" % len(html.encode()))
    for k, v in p.urls:
        if k == "src" and not v.startswith("cid:"):
            out.append("remote %s=%s" % (k, v))
        elif k == "href" and not (base and v.startswith(base + "/")):
            out.append("link %s=%s" % (k, v))
        elif k not in ("src", "href"):
            out.append("%s=%s" % (k, v))
    if not p.widths or max(p.widths) > 640:
        out.append("widths %r" % p.widths)
    if "table" not in p.tags[:8]:
        out.append("no layout table first: %r" % p.tags[:8])
    chroma = {c for c in p.colours if c is not None and
              colorsys.rgb_to_hls(*(x / 255 for x in c))[2] > 0.3}
    if len(chroma) != 1:
        out.append("accent colours %r" % chroma)
    return out


def png_size(data):
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24],
                                                              "big")


class Notices(DeskTest):
    """Every notice kind from one scenario, with the status page at
    BASE."""

    base = BASE

    def conf(self):
        web = {"secret_file": os.path.join(self.tmp, "web.secret")}
        if self.base:
            web["base_url"] = self.base
        else:
            web["listen"] = ""
        return {"helpdesk": {"root_admins": "root@corp.example",
                             "admins": "bob@corp.example, "
                                       "carol@corp.example",
                             "assign": "auto",
                             "max_notices_per_hour": "1000",
                             "max_new_tickets_per_hour": "3",
                             "max_attachment_bytes": "1024"},
                "sla": {"digest_at": "00:00"},
                "web": web,
                "categories": CATS}

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf=self.conf())
        drive_every_notice(self.desk)
        # a ticket with a picture, and a comment with one, to bob
        d = self.desk
        d.stdin(mail("[@bob] Printer shows an error", "alice@corp.example",
                     "Alice Example", "The display says:\n\n"
                     "  E-42 *paper jam* in tray <2> & the\\\n"
                     "fuser is hot.\n\nAlice\\\n",
                     files=[("display.png", "image/png", printer_png())]),
                check=0)
        self.pic = d.scalar("SELECT max(number) FROM tickets")
        d.stdin(mail("Re: [IT #%d] Printer shows an error" % self.pic,
                     "alice@corp.example", "Alice Example",
                     "Now it looks like this.\n",
                     files=[("display-2.png", "image/png", printer_png())]),
                check=0)
        self.rows = [r for r in d.outbox()
                     if r["status"] not in ("suppressed",)]


class Layout(Notices):
    """The scenario is made once (it takes half a minute); every check
    runs on it."""

    def test_every_notice(self):
        self.check_every_kind_is_made()
        self.check_html_parts_lint_clean()
        self.check_text_parts_facts_first_and_wrapped()
        self.check_quote_transcript_and_images()
        self.check_links()
        self.check_in_chromium()

    def check_every_kind_is_made(self):
        kinds = {r["kind"] for r in self.rows}
        self.assertLessEqual(NAMED_KINDS, kinds)

    def check_html_parts_lint_clean(self):
        sizes = {}
        for r in self.rows:
            text, html = parts(r)
            sizes[r["kind"]] = max(sizes.get(r["kind"], 0), len(html.encode()))
            problems = lint(html, self.base)
            self.assertEqual(problems, [], "%s to %s" % (r["kind"],
                                                          r["rcpt_to"]))
        log("HTML part sizes (largest of each kind, bytes):",
            sorted(sizes.items(), key=lambda kv: -kv[1]))

    def check_text_parts_facts_first_and_wrapped(self):
        for r in self.rows:
            text, html = parts(r)
            where = "%s to %s:\n%s" % (r["kind"], r["rcpt_to"], text)
            for line in text.splitlines():
                self.assertLessEqual(len(line), 72, where)
            self.assertNotIn("**", text, where)
            if r["kind"] not in TICKET_KINDS or r["ticket_number"] is None:
                continue
            n = r["ticket_number"]
            lines = text.splitlines()
            self.assertEqual(lines[0], "Ticket:    [IT #%d]" % n, where)
            self.assertTrue(lines[1].startswith("Status:    "), where)
            self.assertTrue(lines[2].startswith("Priority:  "), where)
            self.assertTrue(lines[3].startswith("Category:  "), where)
            self.assertTrue(lines[4].startswith("Assignee:  "), where)
            # the same facts first in the HTML part
            self.assertRegex(html, r"(?s)^.{0,2500}>Ticket</td><td[^>]*>"
                             r"\[IT #%d\]</td>" % n)

    def check_quote_transcript_and_images(self):
        rows = [r for r in self.rows if r["kind"] == "assigned" and
                r["ticket_number"] == self.pic]
        self.assertEqual(len(rows), 1)
        text, html = parts(rows[0])
        # the requester's words, exactly and set apart
        self.assertIn(">   E-42 *paper jam* in tray <2> & the\\", text)
        self.assertIn("> Alice\\\n", text.replace("\r\n", "\n"))
        self.assertIn("E-42 *paper jam* in tray &lt;2&gt; &amp; the\\<br>",
                      html)
        self.assertIn("Alice\\</p>", html)
        self.assertIn("border-left:4px solid", html)
        # the picture: a cid: thumbnail of a part of the multipart/related
        imgs = related_images(rows[0])
        cids = re.findall(r'<img src="cid:([^"]+)"', html)
        self.assertEqual(len(cids), 1)
        self.assertEqual(set(cids), set(imgs))
        self.assertEqual(imgs[cids[0]][0], "image/png")
        self.assertEqual(message(rows[0]).get_content_type(),
                         "multipart/alternative")
        self.assertIn("display.png", text)
        # the comment relay carries the comment's picture
        rows = [r for r in self.rows if r["kind"] == "comment" and
                r["ticket_number"] == self.pic]
        self.assertEqual(len(rows), 1)
        text, html = parts(rows[0])
        self.assertEqual(len(re.findall(r'<img src="cid:', html)), 1)
        self.assertIn("display-2.png", text)
        # a transcript is a two-column table of command and result
        tr = [r for r in self.rows if r["kind"] == "transcript"]
        self.assertTrue(tr)
        for r in tr:
            text, html = parts(r)
            self.assertIn(">Command</th>", html)
            self.assertIn(">Result</th>", html)
        bob = [parts(r) for r in tr if r["rcpt_to"] == "bob@corp.example"]
        self.assertTrue(any(">/priority high</td><td" in h for _, h in bob),
                        bob)
        self.assertTrue(any("/priority high \u2014 ok" in t for t, _ in bob),
                        bob)

    def check_links(self):
        """Every notice about a ticket links to its page, in both parts,
        with the ticket's key for its requester and the desk's for an
        admin (the admin view)."""
        staff = {"bob@corp.example", "carol@corp.example",
                 "root@corp.example"}
        for r in self.rows:
            if r["kind"] not in TICKET_KINDS or r["ticket_number"] is None:
                continue
            text, html = parts(r)
            url = "%s/t/%d?k=" % (BASE, r["ticket_number"])
            where = "%s to %s" % (r["kind"], r["rcpt_to"])
            self.assertIn('href="' + url, html, where)
            self.assertIn("<" + url, flat(text).replace("\n", ""), where)
            key = re.search(re.escape(url) + r"([A-Za-z0-9_.-]+)",
                            html).group(1)
            self.assertEqual("." in key, r["rcpt_to"] in staff,
                             where + ": key " + key)

    def driver(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        home = tempfile.mkdtemp(prefix="chromium-home-", dir=self.tmp)
        os.environ["HOME"] = home
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--hide-scrollbars",
                  "--user-data-dir=" + os.path.join(home, "profile"),
                  "--window-size=760,900", "--force-device-scale-factor=1",
                  "--lang=en-US"):
            opts.add_argument(a)
        d = webdriver.Chrome(service=Service(shutil.which("chromedriver")),
                             options=opts)
        self.addCleanup(d.quit)
        d.set_page_load_timeout(30)
        return d

    def check_in_chromium(self):
        """Headless Chromium draws every notice (its pictures put in from
        the related parts, as a mail client does)."""
        if chromium() is None or not shutil.which("chromedriver"):
            log("SKIP screenshots: headless Chromium is not installed "
                "(Debian: chromium chromium-driver)")
            return
        try:
            import selenium  # noqa: F401
        except ImportError:
            log("SKIP screenshots: python3-selenium is not installed")
            return
        d = self.driver()
        out = os.path.join(self.tmp, "screenshots")
        os.makedirs(out, exist_ok=True)
        keep = os.environ.get("TICKETD_SCREENSHOTS")
        docs = {}
        seen = {}
        for r in self.rows:
            text, html = parts(r)
            doc = (r["kind"] == "assigned" and
                   r["ticket_number"] == self.pic) or \
                (r["kind"] == "transcript" and
                 ">/priority high</td>" in html and
                 "notice-transcript" not in docs)
            # one picture of each kind (all of them take minutes)
            if r["kind"] in seen and not doc:
                continue
            for cid, (ctype, data) in related_images(r).items():
                html = html.replace("cid:" + cid, "data:%s;base64,%s" % (
                    ctype, base64.b64encode(data).decode()))
            seen[r["kind"]] = seen.get(r["kind"], 0) + 1
            name = "notice-%s-%d" % (r["kind"], seen[r["kind"]])
            page = os.path.join(out, name + ".html")
            with open(page, "w", encoding="utf-8") as f:
                f.write(html)
            # from a small window: scrollHeight is at least its height
            d.set_window_size(760, 400)
            d.get("file://" + page)
            # the layout table is at most 640 px wide, nothing overflows
            w = d.execute_script(
                "return document.querySelector('table table')"
                ".getBoundingClientRect().width")
            self.assertLessEqual(w, 640, name)
            self.assertLessEqual(d.execute_script(
                "return document.documentElement.scrollWidth"), 760, name)
            if "<img " in html:
                ok = d.execute_script(
                    "return Array.from(document.images).every("
                    "i => i.complete && i.naturalWidth > 0)")
                self.assertTrue(ok, name + ": a picture did not load")
            h = d.execute_script(
                "return document.documentElement.scrollHeight")
            d.set_window_size(760, max(400, min(int(h) + 140, 4000)))
            path = os.path.join(out, name + ".png")
            d.save_screenshot(path)
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
            self.assertGreaterEqual(png_size(data)[0], 640)
            log("screenshot", path)
            if r["kind"] == "assigned" and r["ticket_number"] == self.pic:
                docs["notice-assigned"] = path
            if r["kind"] == "transcript" and \
                    ">/priority high</td>" in html and \
                    "notice-transcript" not in docs:
                docs["notice-transcript"] = path
        self.assertEqual(set(docs), {"notice-assigned", "notice-transcript"})
        if keep:
            os.makedirs(keep, exist_ok=True)
            for name, path in docs.items():
                shutil.copy(path, os.path.join(keep, name + ".png"))


class NoPage(Notices):
    """Without a status page no notice has a link: none is dead."""

    base = None

    def test_no_dead_link(self):
        self.assertTrue(self.rows)
        for r in self.rows:
            text, html = parts(r)
            where = "%s to %s" % (r["kind"], r["rcpt_to"])
            self.assertNotIn("http://", text + html, where)
            self.assertNotIn("https://", text + html, where)
            self.assertNotIn("<a ", html, where)
            self.assertNotIn("desk's page", text, where)
            self.assertEqual(lint(html, None), [], where)


if __name__ == "__main__":
    unittest.main()
