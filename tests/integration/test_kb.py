"""The knowledge base, self-help and the category classifier (issue 11):
publishing a resolved ticket (personal data left out), editing and
withdrawing it by reply, ticketctl kb, suggestions in the acknowledgement
(a relevant article named, an unrelated one not), the requester's
/solved, the classifier's guess, its correction, training, evaluation,
nightly retraining and persistence across runs, and the pages /kb and
/kb/N (cmark in safe mode, open without a key).

Mail goes in through ticketd --stdin, one process per mail, so anything a
later mail relies on (the model, the articles) has crossed a restart."""

import json
import os
import re
import time

from harness import REPO, LOOPBACK, DeskTest, make_mail, port_open, wait_until
from test_templates import parts
from test_web import Web, mail, png

CATS = {"hardware": "laptop, printer, monitor", "network": "vpn, wifi",
        "access": ""}
ADMINS = {"root_admins": "root@corp.example",
          "admins": "bob@corp.example, carol@corp.example"}
FIXTURE = os.path.join(REPO, "tests", "unit", "data", "tickets_small.tsv")

VPN_BODY = ("Hi IT,\n\nsince Monday the VPN client disconnects every hour "
            "with a token error when I work from home. Call me at "
            "+49 30 1234567 or mail alice.smith@corp.example.\n\n"
            "Thanks,\nAlice Smith\nFinance, Main Street 5, 10115 Berlin\n")
ANSWER = ("Open the VPN client, choose Reset token and log in again. "
          "Alice's token had expired.\n")


def publish_vpn(test, desk):
    """Ticket 1 from Alice, resolved and published by bob (article 1)."""
    desk.stdin(mail("[network/vpn] [@bob] VPN drops every hour",
                    "alice.smith@corp.example", "Alice Smith", VPN_BODY,
                    files=[("token.png", "image/png", png())]), check=0)
    desk.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                         sender="bob@corp.example", name="Bob",
                         body="/resolve\n/publish Reset the VPN token\n\n" +
                         ANSWER), check=0)
    test.assertEqual(desk.scalar("SELECT count(*) FROM articles"), 1,
                     desk.query("SELECT * FROM events"))


def last(desk, kind, rcpt=None):
    rows = [r for r in desk.outbox() if r["kind"] == kind and
            (rcpt is None or r["rcpt_to"] == rcpt)]
    return parts(rows[-1])[0] if rows else None


class Publishing(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink(start=False)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS), "categories": CATS})

    def test_publish_leaves_personal_data_out(self):
        d = self.desk
        publish_vpn(self, d)
        a = d.query("SELECT * FROM articles")[0]
        self.assertEqual(a["title"], "Reset the VPN token")
        self.assertEqual(a["status"], "published")
        self.assertEqual(a["version"], 1)
        self.assertEqual(a["category"], "network/vpn")
        self.assertEqual(a["ticket_number"], 1)
        self.assertIn("token error", a["problem"])
        self.assertIn("choose Reset token", a["answer"])
        self.assertIn("## Problem", a["body"])
        self.assertIn("## Answer", a["body"])
        for secret in ("Alice", "alice", "Smith", "+49", "1234567",
                       "Main Street", "Finance", "Hi IT", "Thanks"):
            self.assertNotIn(secret, a["body"], a["body"])
            self.assertNotIn(secret, a["title"])
        self.assertIn("[phone]", a["body"])
        self.assertIn("[address]", a["body"])
        self.assertIn("[name]'s token", a["body"])
        # the ticket's image belongs to the article
        self.assertEqual(d.scalar("SELECT count(*) FROM article_images"), 1)
        self.assertEqual(d.scalar("SELECT count(*) FROM article_versions"),
                         1)
        self.assertEqual(d.scalar("SELECT published FROM tickets"), 1)
        # the admin gets the article's Markdown to edit by reply
        text = last(d, "kb-article", "bob@corp.example")
        self.assertIsNotNone(text)
        self.assertIn("Knowledge-base article 1", text)
        self.assertIn("## Problem", text)
        self.assertIn("/kb edit", text)
        self.assertIn("http://127.0.0.1:", text)
        self.assertIn("/kb/1", text)
        self.assertIn("— ok", last(d, "transcript", "bob@corp.example"))

    def test_edit_and_withdraw_by_reply(self):
        d = self.desk
        publish_vpn(self, d)
        before = len([r for r in d.outbox()
                      if r["rcpt_to"] == "alice.smith@corp.example"])
        d.stdin(make_mail(
            subject="Re: [IT #1] VPN drops every hour",
            sender="bob@corp.example", name="Bob",
            body="/kb edit\n\n# Reset your VPN token\n\n1. Open the VPN "
            "client.\n2. Choose **Reset token**.\n\n<script>alert(1)"
            "</script>\n\nOn Mon, Bob wrote:\n> Knowledge-base article 1\n"
            "> old text\n"), check=0)
        a = d.query("SELECT * FROM articles")[0]
        self.assertEqual(a["version"], 2)
        self.assertEqual(a["title"], "Reset your VPN token")
        self.assertTrue(a["body"].startswith("1. Open the VPN client."),
                        a["body"])
        self.assertIn("Choose **Reset token**", a["body"])
        self.assertNotIn("old text", a["body"])
        self.assertEqual(d.scalar("SELECT count(*) FROM article_versions"),
                         2)
        # the Markdown is the article, not a comment for the requester
        self.assertEqual(d.scalar("SELECT internal FROM comments ORDER BY "
                                  "id DESC LIMIT 1"), 1)
        after = len([r for r in d.outbox()
                     if r["rcpt_to"] == "alice.smith@corp.example"])
        self.assertEqual(before, after)
        self.assertIn("version 2", last(d, "kb-article", "bob@corp.example"))
        # an edit without text is refused
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/kb edit\n"), check=0)
        self.assertIn("write the article's new Markdown",
                      last(d, "transcript", "bob@corp.example"))
        self.assertEqual(d.scalar("SELECT version FROM articles"), 2)
        # an article longer than the page renders is refused: cmark
        # 0.30.2 is quadratic on "![[]()" and /kb/N is open to all
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/kb edit\n\n" + "![[]()" * 6000 + "\n"),
                check=0)
        # (notices wrap at 72 columns: fold the white space)
        self.assertIn("at most 32768", " ".join(last(
            d, "transcript", "bob@corp.example").split()))
        self.assertEqual(d.scalar("SELECT version FROM articles"), 2)
        # withdrawn, then published again
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/kb withdraw\n"), check=0)
        self.assertEqual(d.scalar("SELECT status FROM articles"),
                         "withdrawn")
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/kb withdraw\n"), check=0)
        self.assertIn("withdrawn already",
                      last(d, "transcript", "bob@corp.example"))
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/publish\n"), check=0)
        self.assertEqual(d.scalar("SELECT status FROM articles"),
                         "published")
        self.assertEqual(d.scalar("SELECT count(*) FROM articles"), 1)
        kinds = [r["kind"] for r in d.query(
            "SELECT kind FROM events WHERE ticket_number = 1")]
        for k in ("published", "kb-edited", "kb-withdrawn"):
            self.assertIn(k, kinds)

    def test_refusals(self):
        d = self.desk
        d.stdin(make_mail(subject="[@bob] Mouse broken",
                          sender="erin@corp.example", name="Erin"), check=0)
        for body, why in (("/publish\n", "only a resolved ticket"),
                          ("/kb edit\n\nx\n", "has no article yet"),
                          ("/kb withdraw\n", "has no article"),
                          ("/kb remove\n", "is not edit or withdraw")):
            d.stdin(make_mail(subject="Re: [IT #1] Mouse broken",
                              sender="bob@corp.example", name="Bob",
                              body=body), check=0)
            self.assertIn(why, last(d, "transcript", "bob@corp.example"))
        self.assertEqual(d.scalar("SELECT count(*) FROM articles"), 0)
        # a requester cannot publish: their "/publish" is a comment
        d.stdin(make_mail(subject="Re: [IT #1] Mouse broken",
                          sender="erin@corp.example", name="Erin",
                          body="/publish\n"), check=0)
        self.assertEqual(d.scalar("SELECT count(*) FROM articles"), 0)

    def test_ticketctl_kb(self):
        d = self.desk
        d.stdin(make_mail(subject="[@carol] Printer jams in tray 2",
                          sender="frank@corp.example", name="Frank Miller",
                          body="Paper jams in tray 2. Frank, room 4.12\n"),
                check=0)
        r = d.ctl("kb", "publish", "1", check=None)
        self.assertEqual(r.rc, 1)
        self.assertIn("only a resolved ticket", r.stderr)
        d.stdin(make_mail(subject="Re: [IT #1] Printer jams in tray 2",
                          sender="carol@corp.example", name="Carol",
                          body="/resolve pull the tray out fully\n"),
                check=0)
        r = d.ctl("kb", "publish", "1", "--title", "Paper jams in tray 2")
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertIn("article 1", r.stdout)
        a = d.query("SELECT * FROM articles")[0]
        self.assertEqual(a["title"], "Paper jams in tray 2")
        self.assertIn("pull the tray out fully", a["body"])
        self.assertNotIn("Frank", a["body"])
        # its notice goes to the admin who resolved it
        self.assertIsNotNone(last(d, "kb-article", "carol@corp.example"))
        r = d.ctl("kb", "list")
        self.assertIn("Paper jams in tray 2", r.stdout)
        self.assertIn("published", r.stdout)
        r = d.ctl("kb", "show", "1")
        self.assertIn("## Answer", r.stdout)
        r = d.ctl("kb", "withdraw", "1")
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(d.ctl("kb", "list").stdout.strip(), "")
        self.assertIn("withdrawn", d.ctl("kb", "list", "--all").stdout)
        self.assertNotEqual(d.ctl("kb", "show", "9", check=None).rc, 0)
        self.assertNotEqual(d.ctl("kb", "publish", "x", check=None).rc, 0)


class SelfHelp(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink(start=False)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS), "categories": CATS})

    def test_suggestions_and_solved(self):
        d = self.desk
        publish_vpn(self, d)
        # a relevant ticket: the article is named with its link
        d.stdin(make_mail(subject="VPN keeps disconnecting",
                          sender="dave@corp.example", name="Dave",
                          body="Hello, my VPN client shows a token error "
                          "and disconnects.\n"), check=0)
        ack = last(d, "ack", "dave@corp.example")
        self.assertIn("knowledge base may help", ack)
        self.assertIn("Reset the VPN token (article 1)", ack)
        self.assertIn("/kb/1", ack)
        self.assertIn("/solved", ack)
        # an unrelated ticket: nothing suggested
        d.stdin(make_mail(subject="Printer out of paper",
                          sender="erin@corp.example", name="Erin",
                          body="The printer on the 3rd floor has no paper "
                          "left.\n"), check=0)
        ack = last(d, "ack", "erin@corp.example")
        self.assertNotIn("knowledge base", ack)
        self.assertNotIn("/kb/", ack)
        # a withdrawn article is never suggested
        d.sql("UPDATE articles SET status = 'withdrawn'")
        d.stdin(make_mail(subject="VPN token error",
                          sender="gina@corp.example", name="Gina",
                          body="VPN client token error, disconnects.\n"),
                check=0)
        self.assertNotIn("/kb/", last(d, "ack", "gina@corp.example"))
        d.sql("UPDATE articles SET status = 'published'")
        # dave solves #2 himself
        assignee = d.scalar("SELECT a.email FROM tickets t JOIN people a "
                            "ON a.id = t.assignee_id WHERE number = 2")
        self.assertIsNotNone(assignee)
        d.stdin(make_mail(subject="Re: [IT #2] VPN keeps disconnecting",
                          sender="dave@corp.example", name="Dave",
                          body="/solved\n\nThe article did it, thanks.\n"),
                check=0)
        t = d.query("SELECT * FROM tickets WHERE number = 2")[0]
        self.assertEqual(t["status"], "resolved")
        self.assertEqual(t["self_help"], 1)
        self.assertIsNotNone(t["closed_at"])
        self.assertEqual(d.scalar("SELECT count(*) FROM events WHERE "
                                  "ticket_number = 2 AND kind = "
                                  "'self-solved'"), 1)
        self.assertIn("closed by its requester",
                      last(d, "kb-solved", assignee))
        self.assertIn("You closed it yourself",
                      last(d, "resolved", "dave@corp.example"))
        self.assertEqual(d.scalar("SELECT body FROM comments WHERE "
                                  "ticket_number = 2"),
                         "The article did it, thanks.")
        # only the requester's /solved counts; a second one is told no
        d.stdin(make_mail(subject="Re: [IT #3] Printer out of paper",
                          sender="bob@corp.example", name="Bob",
                          body="/solved\n"), check=0)
        self.assertEqual(d.scalar("SELECT self_help FROM tickets WHERE "
                                  "number = 3"), 0)
        d.stdin(make_mail(subject="Re: [IT #2] VPN keeps disconnecting",
                          sender="dave@corp.example", name="Dave",
                          body="/solved\n"), check=0)
        self.assertIn("closed already",
                      last(d, "refused-change", "dave@corp.example"))
        # counted apart in the report
        d.stdin(make_mail(subject="control", sender="root@corp.example",
                          name=None, body="report\n"), check=0)
        self.assertIn("1 of them by self-help",
                      last(d, "report", "root@corp.example"))


    def test_at_most_three_best_first(self):
        d = self.desk
        words = ("VPN token error, the client disconnects",
                 "VPN token expired, the client disconnects at login",
                 "VPN client disconnects with a token error at home",
                 "VPN token error after the client update")
        for i, w in enumerate(words, 1):
            d.stdin(make_mail(subject="[network/vpn] [@bob] " + w,
                              sender="u%d@corp.example" % i, name="U",
                              body=w + ".\n"), check=0)
            d.stdin(make_mail(subject="Re: [IT #%d] %s" % (i, w),
                              sender="bob@corp.example", name="Bob",
                              body="/resolve reset the token\n/publish\n"),
                    check=0)
        self.assertEqual(d.scalar("SELECT count(*) FROM articles"), 4)
        d.stdin(make_mail(subject="VPN token error",
                          sender="dave@corp.example", name="Dave",
                          body="The VPN client disconnects with a token "
                          "error.\n"), check=0)
        ack = last(d, "ack", "dave@corp.example")
        found = re.findall(r"\(article (\d+)\)", ack)
        self.assertEqual(len(found), 3, ack)
        # best first: article 1 holds every word of the ticket in the
        # fewest others; article 2 (expired, login) is the one left out
        self.assertEqual(found[0], "1", ack)
        self.assertNotIn("2", found, ack)


class Classifier(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink(start=False)
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": dict(ADMINS, guess_confidence="50%"),
            "categories": CATS})
        # carol covers hardware, bob the rest
        d = self.desk
        d.stdin(make_mail(subject="control", sender="root@corp.example",
                          name=None, body="skills carol@corp.example "
                          "hardware\nskills bob@corp.example network, "
                          "access\n"), check=0)

    def test_train_guess_correct_retrain(self):
        d = self.desk
        r = d.ctl("classify", "--guess", "laptop", check=None)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("no model yet", r.stderr)
        r = d.ctl("classify", "--train", FIXTURE)
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertIn("36 labelled tickets read", r.stdout)
        self.assertIn("trained on 36 tickets", r.stdout)
        self.assertEqual(d.scalar("SELECT examples FROM classifier_model"),
                         36)
        r = d.ctl("classify", "--guess", "my laptop screen flickers")
        self.assertTrue(r.stdout.startswith("hardware\t"), r.stdout)
        r = d.ctl("classify", "--evaluate", FIXTURE)
        self.assertEqual(r.rc, 0, r.stderr)
        for word in ("accuracy:", "macro-F1:", "majority:",
                     "confusion matrix"):
            self.assertIn(word, r.stdout)
        self.assertIn("tickets:   36", r.stdout)
        # a new ticket without a category: guessed, and assigned by it
        # (a new process: the stored model is read back)
        d.stdin(make_mail(subject="Laptop screen black",
                          sender="hana@corp.example", name="Hana",
                          body="My laptop monitor stays black after "
                          "docking.\n"), check=0)
        t = d.query("SELECT t.*, a.email AS admin FROM tickets t JOIN "
                    "people a ON a.id = t.assignee_id WHERE number = 1")[0]
        self.assertEqual(t["category"], "hardware")
        self.assertEqual(t["category_guessed"], 1)
        self.assertEqual(t["admin"], "carol@corp.example")
        ack = last(d, "ack", "hana@corp.example")
        self.assertIn("category: hardware", ack)
        self.assertIn("guessed from your words", ack)
        # a category the requester names is never guessed over
        d.stdin(make_mail(subject="[network] Laptop screen black",
                          sender="ivan@corp.example", name="Ivan",
                          body="My laptop monitor stays black.\n"), check=0)
        t = d.query("SELECT * FROM tickets WHERE number = 2")[0]
        self.assertEqual((t["category"], t["category_guessed"]),
                         ("network", 0))
        # words it does not know: no guess, no category
        d.stdin(make_mail(subject="Zzyzx", sender="jo@corp.example",
                          name="Jo", body="Qwxv plorb.\n"), check=0)
        t = d.query("SELECT * FROM tickets WHERE number = 3")[0]
        self.assertIsNone(t["category"])
        self.assertNotIn("guessed", last(d, "ack", "jo@corp.example"))
        # the admin corrects #1; resolved, it feeds the next training
        d.stdin(make_mail(subject="Re: [IT #1] Laptop screen black",
                          sender="carol@corp.example", name="Carol",
                          body="/category access\n/resolve\n"), check=0)
        t = d.query("SELECT * FROM tickets WHERE number = 1")[0]
        self.assertEqual((t["category"], t["category_guessed"]),
                         ("access", 0))
        r = d.ctl("classify", "--retrain")
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertIn("trained on 37 tickets", r.stdout)
        # training again from a file replaces the file's rows
        r = d.ctl("classify", "--train", FIXTURE)
        self.assertIn("replacing the last file's", r.stdout)
        self.assertEqual(d.scalar("SELECT count(*) FROM "
                                  "classifier_examples"), 36)

    def test_nightly_retraining(self):
        d = self.desk
        r = d.ctl("classify", "--train", FIXTURE)
        self.assertEqual(r.rc, 0, r.stderr)
        first = d.scalar("SELECT trained_at FROM classifier_model")
        # tomorrow at 03:30 (retrain_at 03:00): any run retrains, once
        lt = time.localtime(time.time() + 86400)
        at = int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 3, 30, 0,
                              0, 0, -1)))
        os.environ["TICKETD_NOW"] = str(at)
        try:
            d.stdin(make_mail(subject="tick", headers=[
                "Auto-Submitted: auto-generated"]), check=0)
            second = d.scalar("SELECT trained_at FROM classifier_model")
            self.assertGreater(second, first)
            self.assertGreaterEqual(second, at)
            d.stdin(make_mail(subject="tick again", headers=[
                "Auto-Submitted: auto-generated"]), check=0)
            self.assertEqual(d.scalar("SELECT trained_at FROM "
                                      "classifier_model"), second)
        finally:
            os.environ.pop("TICKETD_NOW", None)

    def test_bad_training_files(self):
        d = self.desk
        r = d.ctl("classify", "--train", os.path.join(self.tmp, "none.tsv"),
                  check=None)
        self.assertNotEqual(r.rc, 0)
        bad = os.path.join(self.tmp, "bad.tsv")
        with open(bad, "wb") as f:
            f.write(b"id\ttitle\tbody\tcategory\n1\t\tonly\n"
                    b"2\t\tprinter jam\thardware\n\xff\xfe\x00\t\t\t\n"
                    b"3\t\tbody with a \x00 byte\tnetwork\n"
                    b"4\t\tvpn drops\t\x1b[2Jnetwork\n"
                    b"5\t\tvpn drops\t" + b"n" * 65 + b"\n"
                    b"6\t\tvpn drops\tnet\xffwork\n"
                    b"7\t\tlaptop screen\thardware\r\n"
                    b"8\t\tno line end\thardware")
        r = d.ctl("classify", "--train", bad)
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertIn("3 labelled tickets read", r.stdout)
        self.assertIn("6 broken lines left out", r.stdout)
        self.assertIn("nothing to train", r.stdout)
        self.assertEqual([x["category"] for x in d.query(
            "SELECT category FROM classifier_examples")], ["hardware"] * 3)
        r = d.ctl("classify", "--bogus", check=None)
        self.assertNotEqual(r.rc, 0)


class Pages(Web):
    """The pages against a running ticketd: open to all, safe Markdown."""

    seed_tickets = False

    def setUp(self):
        super().setUp()
        d = self.desk
        publish_vpn(self, d)
        d.stdin(make_mail(subject="Re: [IT #1] VPN drops every hour",
                          sender="bob@corp.example", name="Bob",
                          body="/kb edit\n\n# Reset your VPN token\n\n"
                          "1. Open the VPN client.\n2. Choose **Reset "
                          "token**.\n\n<script>alert(1)</script>\n"
                          "<img src=x onerror=alert(2)>\n\n"
                          "[click](javascript:alert(3))\n\n"
                          "<javascript:alert(4)> [d](data:text/html,x5) "
                          "![i](vbscript:x6) [f](file:///etc/passwd)\n\n"
                          "<iframe src=//x7></iframe>\n\n"
                          "<a href=\"//x8\" onclick=\"x9\">a</a>\n"),
                check=0)

    def test_list_search_article(self):
        h, body = self.get("/kb")
        self.assert_safe_headers(h)
        self.assertIn("Reset your VPN token", body)
        self.assertIn("<h2>network</h2>", body)
        self.assertIn('href="/kb/1"', body)
        h, body = self.get("/kb?q=token")
        self.assertIn("<mark>", body)
        self.assertIn("1 answer matches", body)
        h, body = self.get("/kb?q=printer")
        self.assertIn("No answer matches", body)
        h, body = self.get("/kb?category=network")
        self.assertIn("Reset your VPN token", body)
        h, body = self.get("/kb?category=hardware")
        self.assertNotIn("Reset your VPN token", body)
        # the article: Markdown rendered, raw HTML and unsafe links out
        h, body = self.get("/kb/1")
        self.assert_safe_headers(h)
        self.assertIn("<ol>", body)
        self.assertIn("<strong>Reset token</strong>", body)
        self.assertIn("raw HTML omitted", body)
        self.assert_no_payload(body, "/kb/1")
        # unsafe links emptied (an autolink's text stays, as text)
        for scheme in ("javascript:", "data:", "vbscript:", "file:"):
            self.assertNotRegex(body, r'(href|src)="[^"]*' + scheme)
        for bad in ("<iframe", "x7", "x8", "onclick", "x9"):
            self.assertNotIn(bad, body)
        self.assertIn("version 2", body)
        # its image
        img = self.desk.scalar("SELECT attachment_id FROM article_images")
        m = re.search(r'src="(/kb/1/img/\d+)"', body)
        self.assertIsNotNone(m, body)
        st, h, data = self.req(m.group(1))
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "image/png")
        self.assertTrue(data.startswith(b"\x89PNG"))
        self.assert_safe_headers(h, csp_file=True)
        self.get("/kb/1/img/%d" % (img + 1000), 404)

    def test_refusals_and_withdrawn(self):
        self.get("/kb/2", 404)
        self.get("/kb/0", 400)
        self.get("/kb/x", 400)
        self.get("/kb/1/other", 404)
        self.get("/kb?page=2", 400)
        self.get("/kb?q=" + "x" * 300, 400)
        st, h, body = self.req("/kb/1", method="POST")
        self.assertEqual(st, 405)
        self.desk.ctl("kb", "withdraw", "1")
        self.get("/kb/1", 404)
        img = self.desk.scalar("SELECT attachment_id FROM article_images")
        self.get("/kb/1/img/%d" % img, 404)
        h, body = self.get("/kb")
        self.assertNotIn("Reset your VPN token", body)

    def test_hostile_search_and_category(self):
        """FTS5 syntax, lone quotes, punctuation and bytes that are not
        UTF-8 in ?q= are searched as words (or find nothing), never an
        error; a '%' or '_' in ?category= is a character, not a LIKE
        wildcard."""
        for q in ("%22", "%22%22", "NEAR(token", "token%20AND", "*",
                  "-token", "title:token", "%5E", "(((", "%E2%80%94",
                  "%FF%FE", "token%22%20OR%20%22x", "a%20" * 40,
                  "%C3%28token", "rowid%3D1"):
            st, h, data = self.req("/kb?q=" + q)
            self.assertEqual(st, 200, (q, data[:300]))
            self.assert_safe_headers(h)
            body = data.decode("utf-8", "replace")
            self.assertNotIn("database", body.lower(), q)
        # every word must occur (web's search): these are all "token"
        for q in ("(((token", "%22token", "token%22", "-token", "token*",
                  "tok*", "TOKEN%3A"):
            h, body = self.get("/kb?q=" + q)
            self.assertIn("Reset your VPN token", body, q)
        h, body = self.get("/kb?q=%22reset%20token%22")
        self.assertIn("1 answer matches", body)
        self.get("/kb?q=%00", 400)
        for cat in ("%25", "%25%25", "_", "n%25", "_etwork", "network%25",
                    "%25/vpn"):
            h, body = self.get("/kb?category=" + cat)
            self.assertNotIn("Reset your VPN token", body, cat)
            self.assertIn("No answer matches", body, cat)
        h, body = self.get("/kb?category=NETWORK")
        self.assertIn("Reset your VPN token", body)

    def test_self_help_figure(self):
        h, body = self.get("/api/stats.json")
        self.assertEqual(json.loads(body)["self_help"], 0)
        h, body = self.get("/metrics")
        self.assertIn("ticketd_tickets_self_help 0", body)
