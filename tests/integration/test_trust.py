"""Whose commands the desk obeys (issue 8, points 1, 2, 3 and 5), through
`ticketd --stdin`: only the receiving server's own Authentication-Results
count, in the places Postfix milters, Debian's OpenDKIM, rspamd and Exim put
them; a forged one below them, below a Received or next to a fail does not;
a From that is not exactly one mailbox, or a sender taken from Sender:, is
never an admin; the desk's sub-addresses and every X-Loop are the desk."""

import email.utils

from harness import DeskTest, make_mail, parse_mail

MX = "mx.corp.example"
LMTP = ("Return-Path: <bob@corp.example>",
        "Delivered-To: it@corp.example",
        "Received: from mx.corp.example by imap.corp.example with LMTP "
        "id x1; Mon, 3 Mar 2025 09:12:02 +0100")
RCVD_MX = ("Received: from mail.corp.example (mail.corp.example [192.0.2.7])"
           "\r\n\tby mx.corp.example (Postfix) with ESMTPS id 4AB12C0001;"
           "\r\n\tMon, 3 Mar 2025 09:12:01 +0100 (CET)")
RCVD_FAKE = "Received: from evil.example by relay.evil.example; " \
            "Mon, 3 Mar 2025 09:00:00 +0000"
PASS = "Authentication-Results: %s; dkim=pass header.d=corp.example; " \
       "dmarc=pass header.from=corp.example" % MX
FORGED = "Authentication-Results: %s; dmarc=pass header.from=corp.example" % MX

_seq = [0]


def raw_mail(top, from_line, body, subject="Re: [IT #1] Printer jams",
             to="it@corp.example", more=()):
    """A mail whose header starts with the lines top (what our servers
    added, then what the sender wrote), then the From line as given."""
    _seq[0] += 1
    lines = list(top)
    if from_line is not None:
        lines.append(from_line)
    lines += ["To: %s" % to, "Subject: %s" % subject,
              "Date: %s" % email.utils.formatdate(),
              "Message-ID: <trust-%d@corp.example>" % _seq[0]]
    lines += list(more)
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(lines) + "\r\n\r\n" +
            body.replace("\n", "\r\n")).encode()


class TrustBase(DeskTest):
    trust = "authentication-results"

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "admins": "bob@corp.example",
                         "trust": self.trust,
                         "authserv_id": MX,
                         "assign": "auto"}})
        self.desk.stdin(make_mail(subject="[@bob] Printer jams"), check=0)
        self.assertEqual(self.status(), "assigned")

    def status(self, n=1):
        return self.desk.scalar("SELECT status FROM tickets WHERE number = ?",
                                (n,))

    def transcript(self, rcpt):
        got = [parse_mail(r["message"]) for r in self.desk.outbox()
               if r["kind"] == "transcript" and r["rcpt_to"] == rcpt]
        self.assertTrue(got, "no transcript to %s" % rcpt)
        return " ".join(got[-1].get_body(("plain",)).get_content().split())

    def send(self, top, from_line="From: Bob <bob@corp.example>",
             body="/resolve toner replaced\n\nAll good.\n", **kw):
        self.desk.stdin(raw_mail(top, from_line, body, **kw), check=0)


class Placements(TrustBase):
    """The real placements of each MTA family are obeyed."""

    def test_postfix_upstream_milters_below_received(self):
        # OpenDKIM/OpenDMARC insert at index 1: below Postfix's Received,
        # and Dovecot LMTP adds its fields on top
        self.send(LMTP + (RCVD_MX,
                  "Authentication-Results: %s; dmarc=pass (p=reject "
                  "dis=none) header.from=corp.example" % MX,
                  "Authentication-Results: %s;\r\n\tdkim=pass (2048-bit key)"
                  " header.d=corp.example header.i=@corp.example" % MX,
                  "DKIM-Signature: v=1; a=rsa-sha256; d=corp.example; s=s1; "
                  "b=abc", RCVD_FAKE))
        self.assertEqual(self.status(), "resolved")

    def test_debian_opendkim_above_received(self):
        self.send(LMTP + ("Authentication-Results: %s; dkim=pass "
                          "(2048-bit key; unprotected) header.d=corp.example"
                          % MX, RCVD_MX))
        self.assertEqual(self.status(), "resolved")

    def test_rspamd(self):
        self.send((RCVD_MX, "Authentication-Results: %s;\r\n\tdkim=pass "
                   "header.d=corp.example header.s=dkim header.b=abcd;\r\n"
                   "\tspf=pass smtp.mailfrom=bob@corp.example;\r\n\tdmarc=pass "
                   "(policy=reject) header.from=corp.example" % MX,
                   "X-Rspamd-Queue-Id: 4AB12C0001"))
        self.assertEqual(self.status(), "resolved")

    def test_exim_at_start(self):
        self.send((PASS, "Received: from mail.corp.example by mx.corp.example "
                   "with esmtps (Exim 4.96) id 1abc; Mon, 3 Mar 2025 09:12:01 "
                   "+0100"))
        self.assertEqual(self.status(), "resolved")


class Forgeries(TrustBase):
    """Forged results are refused, with a transcript that says why."""

    def assertRefused(self, who="bob@corp.example", why=""):
        self.assertEqual(self.status(), "assigned")
        tr = self.transcript(who)
        self.assertIn("not obeyed", tr)
        self.assertIn(why, tr)

    def test_forged_below_the_real_one(self):
        # the MTA's own field above its Received says fail; the sender's
        # forged pass came with the message, below it
        self.send(LMTP + ("Authentication-Results: %s; dmarc=fail "
                          "header.from=corp.example" % MX, RCVD_MX, FORGED))
        self.assertRefused(why="dmarc=fail")

    def test_forged_below_the_real_one_without_a_veto(self):
        # the MTA saw no signature (not a veto by itself): only the place
        # of the forged field refuses it
        self.send(LMTP + ("Authentication-Results: %s; dkim=none" % MX,
                          RCVD_MX, FORGED))
        self.assertRefused(why="dkim=none")

    def test_forged_above_a_received(self):
        # the sender wrote a pass above a Received of their own, so that it
        # looks like a field added on arrival: the MTA's own one is higher
        self.send((RCVD_MX, "Authentication-Results: %s; dkim=none" % MX,
                   RCVD_FAKE, FORGED, RCVD_FAKE))
        self.assertRefused(why="dkim=none")

    def test_forged_in_the_message(self):
        self.send((RCVD_MX,), more=(FORGED,))
        self.assertRefused(why="further down ignored")

    def test_two_of_ours_disagree(self):
        self.send((RCVD_MX, FORGED, "Authentication-Results: %s; dmarc=fail "
                   "(p=reject) header.from=corp.example" % MX))
        self.assertRefused(why="wins over any pass")

    def test_forged_root_control_mail(self):
        self.send((RCVD_MX, "Authentication-Results: %s; dmarc=none" % MX,
                   RCVD_FAKE, FORGED),
                  from_line="From: root@corp.example",
                  body="reject 1 spam\n", subject="control")
        self.assertEqual(self.status(), "assigned")
        self.assertIn("not obeyed", self.transcript("root@corp.example"))


class OneFrom(TrustBase):
    """One From, one person; identity is From and only From -- also under
    trust = from."""
    trust = "from"

    def control(self, from_line, more=()):
        self.send((), from_line=from_line, body="reject 1 spam\n",
                  subject="control", more=more)

    def test_plain_from_obeyed(self):
        self.control("From: Root <root@corp.example>")
        self.assertEqual(self.status(), "rejected")

    def test_group_refused(self):
        self.control("From: admins: root@corp.example, x@evil.example;")
        self.assertEqual(self.status(), "assigned")
        tr = self.transcript("root@corp.example")
        self.assertIn("not obeyed", tr)
        self.assertIn("not exactly one mailbox (a group)", tr)

    def test_two_addresses_refused(self):
        # (with "<root@…> <x@evil.example>" the salvage takes the last
        # address, so the mail is an outsider's: held, never root's)
        for i, f in enumerate(("From: root@corp.example bob@corp.example",
                               "From: <root@corp.example> <root@corp.example>",
                               "From: Root root@corp.example")):
            self.control(f)
            self.assertEqual(self.status(), "assigned", f)
            self.assertEqual(
                self.desk.scalar("SELECT count(*) FROM outbox WHERE kind = "
                                 "'transcript'"), i + 1)
            self.assertIn("not exactly one mailbox",
                          self.transcript("root@corp.example"))

    def test_admin_reply_with_two_from_fields(self):
        self.send((), from_line="From: bob@corp.example\r\n"
                  "From: x@evil.example")
        self.assertEqual(self.status(), "assigned")
        self.assertIn("more than one From field",
                      self.transcript("bob@corp.example"))

    def test_sender_is_no_identity(self):
        self.control(None, more=("Sender: root@corp.example",))
        self.assertEqual(self.status(), "assigned")
        tr = self.transcript("root@corp.example")
        self.assertIn("no usable From address", tr)

    def test_reply_to_is_no_identity(self):
        self.control("From: undisclosed:;",
                     more=("Reply-To: root@corp.example",))
        self.assertEqual(self.status(), "assigned")
        self.assertIn("not obeyed", self.transcript("root@corp.example"))


class DeskAddresses(TrustBase):
    """Every X-Loop counts, and the desk's sub-addresses are the desk."""
    trust = "from"

    def ignored(self):
        m = self.desk.mails()[-1]
        return m["disposition"] == "ignored"

    def test_second_x_loop_with_a_sub_address(self):
        n = len(self.sink.messages())
        self.send((), from_line="From: alice@corp.example", body="hello\n",
                  subject="New thing",
                  more=("X-Loop: list@lists.example.org",
                        "X-Loop: it+1@corp.example"))
        self.assertTrue(self.ignored())
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.sink.messages()), n)

    def test_from_a_sub_address(self):
        n = len(self.sink.messages())
        for f in ("From: it+1@corp.example", "From: IT+control@corp.example"):
            self.send((), from_line=f, body="hello\n", subject="New thing")
            self.assertTrue(self.ignored(), f)
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.sink.messages()), n)
