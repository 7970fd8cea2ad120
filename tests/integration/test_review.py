"""What a review of the day's landings (issues 7-10) found, as an attacker
and as a tired admin would meet it: each test is one finding, and failed
before its fix."""

import os
import re
import signal
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

import harness
from harness import REPO, DeskTest, make_mail, parse_mail, rfc2047, wait_until

ROOT = "root@corp.example"


class Review(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": ROOT,
                         "admins": "bob@corp.example, carol@corp.example",
                         "max_notices_per_hour": "1000"}})

    def mail(self, **kw):
        return self.desk.stdin(make_mail(**kw), check=0)

    def notices(self, kind=None, to=None):
        return [r for r in self.desk.outbox()
                if (kind is None or r["kind"] == kind)
                and (to is None or r["rcpt_to"] == to)]

    def status(self, n):
        return self.desk.scalar("SELECT status FROM tickets WHERE number = ?",
                                (n,))

    def transcript(self, who=ROOT):
        rows = self.notices("transcript", who)
        self.assertTrue(rows, "no transcript to %s" % who)
        m = parse_mail(rows[-1]["message"])
        return m.get_body(("plain",)).get_content().replace("\r\n", "\n"), m

    # -- a stranger's forged list headers ----------------------------------

    def test_a_forged_list_post_cannot_silence_a_requester(self):
        """Anyone could write List-Post: <mailto:alice@…> (or Sender:
        alice@… on list mail) to mark alice a list's address: her
        resolution notice was then suppressed. Someone who wrote to the
        desk as a person is not a list's address."""
        self.mail(subject="[@bob] Printer jams")
        self.mail(subject="hello", sender="eve@corp.example", name=None,
                  headers=["List-Id: <x.corp.example>",
                           "List-Post: <mailto:alice@corp.example>",
                           "Sender: alice@corp.example"])
        self.assertEqual(self.desk.scalar(
            "SELECT no_reply FROM people WHERE email = ?",
            ("alice@corp.example",)), 0)
        self.mail(subject="Re: [IT #1] Printer jams", sender="bob@corp.example",
                  name=None, body="/resolve new drum\n")
        self.assertEqual(self.status(1), "resolved")
        done = self.notices("resolved", "alice@corp.example")
        self.assertEqual([r["status"] for r in done], ["sent"])

    def test_a_strangers_name_is_not_echoed_at_length(self):
        """The access-denied notice may go to a forged address (trust =
        from); issue 8 caps the stranger's subject echoed in it at 80
        characters, but the display name went out whole (256 bytes of
        spam in the greeting and the To: line)."""
        spam = "Cheap pills at pills.example, call +1 555 0100 now! " * 5
        self.mail(subject="hi", sender="victim@elsewhere.example",
                  name=rfc2047(spam))
        rows = self.notices("access-denied")
        self.assertEqual(len(rows), 1)
        m = parse_mail(rows[0]["message"])
        text = m.get_body(("plain",)).get_content()
        greeting = text.splitlines()[0]
        self.assertLessEqual(len(greeting), len("Hello ,") + 80 + 3)
        self.assertLessEqual(len(str(m["To"])), 80 + 3 + 40)
        self.assertLessEqual(text.count("pills.example"), 2)    # of 5

    # -- a root admin's control mail on a Monday morning --------------------

    def control(self, body, subject="control", to=None):
        kw = {"to": to} if to else {}
        return self.mail(subject=subject, sender=ROOT, name=None, body=body,
                         **kw)

    def test_a_command_in_the_admins_words_is_no_greeting(self):
        """"assign 1 carol@…" (the admin's /assign word) above "reject 2
        …" was taken for a greeting and ignored while reject applied:
        "All applied" for half of what was asked."""
        self.mail(subject="[@bob] Printer jams")
        self.mail(subject="[@bob] Monitor flickers")
        self.control("Hi,\nassign 1 carol@corp.example\n"
                     "reject 2 duplicate of 1\nthanks\n")
        self.assertEqual(self.status(2), "assigned")
        text, _ = self.transcript()
        self.assertIn("assign 1 carol@corp.example — unknown command", text)
        self.assertIn("Nothing was applied", text)

    def test_a_reply_to_the_transcript_is_a_control_mail(self):
        """The transcript came back as "Re: control" without a Reply-To:
        the root admin's reply to it ("Re: Re: control", to the desk)
        with the next commands became a ticket, assigned to an admin, and
        nothing was applied."""
        self.mail(subject="[@bob] Printer jams")
        self.mail(subject="[@bob] Printer jams again")
        self.control("report\n")
        _, m = self.transcript()
        self.assertEqual(str(m["Reply-To"]), "it+control@corp.example")
        self.control("reject 1 duplicate of 2\n", subject="Re: Re: control",
                     to=str(m["Reply-To"]))
        self.assertEqual(self.status(1), "rejected")
        # the same written to the desk's own address (a reply to the
        # control mail in the sent folder)
        self.control("reject 2 done elsewhere\n", subject="RE: control")
        self.assertEqual(self.status(2), "rejected")
        self.assertEqual(self.desk.ticket_count(), 2)

    def test_a_ticket_titled_control_stays_a_ticket(self):
        self.mail(subject="[@bob] Remote control of the beamer")
        self.mail(subject="Re: [IT #1] control", body="It works now.\n")
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM comments WHERE ticket_number = 1"), 1)

    # -- an admin's reply on a Monday morning -----------------------------

    def test_a_command_below_text_is_answered(self):
        """"Fixed the drum.\n/resolve" is all text (commands go at the
        top): the ticket stayed open, and the admin heard nothing, so
        they believed it resolved. A transcript now says it was not run."""
        self.mail(subject="[@bob] Printer jams")
        self.mail(subject="Re: [IT #1] Printer jams", sender="bob@corp.example",
                  name=None, body="Fixed the drum.\n/resolve\n")
        self.assertEqual(self.status(1), "assigned")
        text, _ = self.transcript("bob@corp.example")
        self.assertIn("/resolve — not run: commands go at the very top of "
                      "a reply", text)
        self.assertIn("Nothing was applied", text)
        # the comment itself is kept and relayed as before
        self.assertEqual(len(self.notices("comment", "alice@corp.example")), 1)
        # a path is no command: no transcript for it
        self.mail(subject="Re: [IT #1] Printer jams", sender="bob@corp.example",
                  name=None, body="Check /etc/hosts\n/etc/hosts is fine\n")
        self.assertEqual(len(self.notices("transcript", "bob@corp.example")), 1)
        # nor a command in quoted text, quoted Outlook's way (no ">"):
        # here the transcript the admin replies to
        self.mail(subject="RE: [IT #1] Printer jams", sender="bob@corp.example",
                  name=None, body="Still on it.\n\n"
                  "-----Original Message-----\nFrom: IT help desk\n"
                  "Subject: [IT #1] Printer jams\n\n"
                  "Your commands for ticket #1:\n\n"
                  "/resolve — not run: commands go at the very top\n")
        self.assertEqual(len(self.notices("transcript", "bob@corp.example")), 1)

    # -- a sysadmin's configuration -----------------------------------------

    def test_business_hours_without_a_timezone_are_named(self):
        """business_hours without [sla] timezone are read in the
        process's zone (UTC on most servers): every due time was hours
        off in an office elsewhere, and nothing said so."""
        self.desk.conf["sla"] = {"business_hours": "Mon-Fri 09:00-17:00"}
        self.desk.write_conf()
        r = self.mail(subject="Printer jams")
        self.assertRegex(r.stderr, r"\[sla\] business_hours without \[sla\] "
                         r"timezone: read in \S+, the zone of this process")
        self.desk.conf["sla"]["timezone"] = "Europe/Berlin"
        self.desk.write_conf()
        r = self.mail(subject="Printer jams again")
        self.assertNotIn("business_hours without", r.stderr)

    def test_loopback_links_are_named_at_start(self):
        """With the default listen (127.0.0.1:8025) and no base_url every
        notice links to http://127.0.0.1:8025/…, which no employee's
        browser opens; the daemon warned only for a wildcard listen."""
        self.desk.start()
        wait_until(lambda: "status page on" in self.desk.daemon_log(), 20,
                   what="the status page")
        self.assertIn("links in notices point at http://127.0.0.1:",
                      self.desk.daemon_log())
        self.desk.stop(expect=None)


class Demo(DeskTest):
    """make demo's banner said "Tickets #2 and #3 go to bob" and told the
    newcomer to resolve #2 from bob: #2 goes to carol, and bob's /resolve
    came back refused. The banner now says what the desk does, and its
    instruction works."""

    def test_the_demo_banner_tells_the_truth(self):
        sink = self.start_sink()
        desk = self.make_desk(None, sink, conf=harness.DEMO_CONF)
        for _, raw in harness.demo_mails():
            desk.stdin(raw, check=0)
        got = {r["number"]: r["email"] for r in desk.query(
            "SELECT t.number, p.email FROM tickets t JOIN people p "
            "ON p.id = t.assignee_id")}
        self.assertEqual(got, harness.DEMO_ASSIGNED)
        n, subj = harness.DEMO_RESOLVE
        desk.stdin(make_mail(subject="Re: [IT #%d] %s" % (n, subj),
                             sender=harness.DEMO_ASSIGNED[n], name=None,
                             body="/resolve fixed\n"), check=0)
        self.assertEqual(desk.scalar("SELECT status FROM tickets WHERE "
                                     "number = ?", (n,)), "resolved")


class DemoRuns(DeskTest):
    """make demo (contrib/demo.sh) starts the desk with its status page,
    prints the page's address and an admin link, and both answer: the
    dashboard to anyone, the tickets of the sample mails to the link.
    SIGTERM stops it and says where everything was kept."""

    def test_demo_prints_a_page_and_an_admin_link_that_work(self):
        env = dict(os.environ, TICKETD_TEST_TMP=self.tmp)
        p = subprocess.Popen(["sh", os.path.join(REPO, "contrib", "demo.sh")],
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        self.addCleanup(harness.kill_group, p.pid)
        banner, urls = [], {}
        end = time.monotonic() + 60
        while time.monotonic() < end and "admin" not in urls:
            line = p.stdout.readline().decode("utf-8", "replace")
            if not line:
                break
            banner.append(line)
            m = re.match(r"\s*(Status page|Admin link):\s+(http://\S+)",
                         line)
            if m:
                urls["page" if m.group(1) == "Status page" else "admin"] = \
                    m.group(2)
        self.assertEqual(set(urls), {"page", "admin"}, "".join(banner))
        self.assertTrue(urls["page"].startswith("http://127.0.0.1:"))
        self.assertRegex(urls["admin"], r"/\?k=[A-Za-z0-9_.-]+$")
        # the daemon logs every request (-v) into the pipe: keep reading
        # it, or a full pipe stops the daemon in the middle of the test
        rest = []
        drain = threading.Thread(target=lambda: rest.extend(
            iter(p.stdout.readline, b"")), daemon=True)
        drain.start()

        def get(url):
            try:
                with urllib.request.urlopen(url, timeout=20) as r:
                    return r.status, r.read().decode()
            except (urllib.error.URLError, OSError) as e:
                return getattr(e, "code", None), ""

        # the page answers, the sample mails become tickets behind the link
        wait_until(lambda: get(urls["page"])[0] == 200, 30,
                   what="the status page")
        base, key = urls["admin"].split("/?k=")
        wait_until(lambda: "Printer on the 3rd floor" in
                   get("%s/tickets?k=%s" % (base, key))[1], 60,
                   what="the demo's tickets behind the admin link")
        code, body = get(urls["admin"])
        self.assertEqual(code, 200, b"".join(rest[-40:]).decode(
            "utf-8", "replace"))
        # without the key the tickets stay closed
        self.assertEqual(get(base + "/tickets")[0], 403)

        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
        drain.join(timeout=60)
        self.assertIn(b"Servers stopped. Everything is kept in",
                      b"".join(rest))


class Docs(unittest.TestCase):

    def test_the_systemd_unit_survives_a_sighup(self):
        """A kill -HUP (a reload by habit, or a log rotation script) must
        not stop the desk for good: SIGHUP reloads (test_signals shows the
        daemon goes on), and both units say so with ExecReload and restart
        the desk after a failure."""
        with open(os.path.join(REPO, "man", "ticketd.8")) as f:
            man = f.read()
        with open(os.path.join(REPO, "contrib", "ticketd.service")) as f:
            contrib = f.read()
        for unit in (man[man.index("[Service]"):man.index("[Install]")],
                     contrib[contrib.index("[Service]"):
                             contrib.index("[Install]")]):
            self.assertEqual(re.findall(r"^Restart=(\S+)", unit, re.M),
                             ["on-failure"])
            self.assertIn("ExecReload=/bin/kill -HUP $MAINPID", unit)
