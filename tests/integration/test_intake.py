"""Intake over IMAP with `ticketd --once`: tickets, acks, exactly-once."""

import os
import re
import time

from harness import (DESK_ADDR, DeskTest, make_mail, parse_mail, rfc2047,
                     sha256_id, wait_until)


class Intake(DeskTest):

    def setUp(self):
        super().setUp()
        self.dove = self.start_dovecot()
        self.sink = self.start_sink()
        self.desk = self.make_desk(self.dove, self.sink)

    def assertAckBasics(self, raw):
        """CRLF everywhere and no line over 998 bytes."""
        self.assertTrue(raw.endswith(b"\r\n"), "message does not end in CRLF")
        for i, line in enumerate(raw.split(b"\r\n")):
            self.assertNotIn(b"\n", line, "bare LF in line %d: %r" % (i, line[:80]))
            self.assertNotIn(b"\r", line, "bare CR in line %d: %r" % (i, line[:80]))
            self.assertLessEqual(len(line), 998, "line %d is %d bytes" % (i, len(line)))

    def test_new_ticket_and_ack_headers(self):
        msgid = "printer-1@client.corp.example"
        raw = make_mail(subject="Printer on 3rd floor jams", msgid=msgid,
                        body="The printer jams on every page.\nPlease help.\n")
        self.dove.append(raw)
        r = self.desk.once()

        # the ticket
        t = self.desk.tickets()
        self.assertEqual(len(t), 1)
        t = t[0]
        self.assertEqual(t["number"], 1)
        self.assertEqual(t["subject"], "Printer on 3rd floor jams")
        self.assertIn("The printer jams on every page.", t["body"])
        self.assertEqual(t["status"], "open")
        self.assertEqual(t["priority"], "low")
        self.assertEqual(t["requester"], "alice@corp.example")

        # the stored mail
        m = self.desk.mails()
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["message_id"], msgid)
        self.assertEqual(m[0]["disposition"], "ticket")
        self.assertEqual(m[0]["ticket_number"], 1)
        self.assertEqual(m[0]["source"], "imap")
        self.assertEqual(bytes(m[0]["raw"]), raw)
        self.assertIsNotNone(m[0]["uid"])
        self.assertIsNotNone(m[0]["uidvalidity"])

        # moved out of the INBOX
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Processed"), 1)

        # a log line names the ticket and the Message-ID
        self.assertTrue(any(msgid in l and re.search(r"(#|ticket\D{0,3})1\b", l)
                            for l in r.stderr.splitlines()),
                        "no log line with the ticket number and Message-ID")

        # the outbox row
        ob = self.desk.outbox()
        self.assertEqual(len(ob), 1)
        self.assertEqual(ob[0]["kind"], "ack")
        self.assertEqual(ob[0]["status"], "sent")
        self.assertEqual(ob[0]["ticket_number"], 1)
        self.assertEqual(ob[0]["rcpt_to"], "alice@corp.example")
        self.assertIsNotNone(ob[0]["sent_at"])

        # the acknowledgement as it arrived
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        env, ack_raw = msgs[0]
        self.assertEqual(env["mail_from"], DESK_ADDR)
        self.assertEqual(env["rcpt_tos"], ["alice@corp.example"])
        self.assertEqual(bytes(ob[0]["message"]), ack_raw)
        self.assertAckBasics(ack_raw)
        ack = parse_mail(ack_raw)
        self.assertEqual(ack["From"].addresses[0].addr_spec, DESK_ADDR)
        self.assertEqual(ack["From"].addresses[0].display_name, "IT help desk")
        self.assertEqual([a.addr_spec for a in ack["To"].addresses],
                         ["alice@corp.example"])
        self.assertEqual([a.addr_spec for a in ack["Reply-To"].addresses],
                         ["it+1@corp.example"])
        self.assertEqual(str(ack["Subject"]), "[IT #1] Printer on 3rd floor jams")
        self.assertRegex(str(ack["Message-ID"]).strip(), r"^<[^<>@\s]+@corp\.example>$")
        self.assertEqual(str(ack["Message-ID"]).strip()[1:-1], ob[0]["message_id"])
        self.assertEqual(str(ack["In-Reply-To"]).strip(), "<%s>" % msgid)
        self.assertEqual(str(ack["References"]).strip(), "<%s>" % msgid)
        self.assertEqual(str(ack["Auto-Submitted"]).strip(), "auto-replied")
        self.assertEqual(str(ack["X-Auto-Response-Suppress"]).strip(), "All")
        self.assertEqual(str(ack["Precedence"]).strip(), "bulk")
        self.assertEqual(str(ack["X-Loop"]).strip(), DESK_ADDR)
        self.assertEqual(str(ack["MIME-Version"]).strip(), "1.0")
        self.assertIsNotNone(ack["Date"])
        self.assertEqual(ack.get_content_type(), "multipart/alternative")
        parts = {p.get_content_type(): p for p in ack.iter_parts()}
        self.assertEqual(sorted(parts), ["text/html", "text/plain"])
        for ctype, p in parts.items():
            self.assertEqual(p.get_content_charset(), "utf-8", ctype)
            self.assertEqual(p["Content-Transfer-Encoding"].strip().lower(),
                             "quoted-printable", ctype)
            self.assertIn("#1", p.get_content(), ctype)
        self.assertIn("Printer on 3rd floor jams", parts["text/plain"].get_content())
        self.assertIn("<", parts["text/html"].get_content())

        # ticketctl shows it
        lst = self.desk.ctl("ticket", "list").stdout
        # number, status, priority, category, assignee, requester, subject
        self.assertRegex(lst, r"(?m)^#1\topen\tlow\t-\t-\talice@corp\.example\t"
                              r"Printer on 3rd floor jams$")
        show = self.desk.ctl("ticket", "show", "1").stdout
        self.assertIn("Printer on 3rd floor jams", show)
        self.assertIn("alice@corp.example", show)

    def test_duplicate_delivery_one_ticket(self):
        raw = make_mail(subject="Same mail twice", msgid="dup-1@client.corp.example")
        self.dove.append(raw)
        self.dove.append(raw)
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(len(self.desk.mails()), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Processed"), 2)
        self.assertEqual(len(self.desk.outbox()), 1)
        self.assertEqual(len(self.sink.messages()), 1)

    def test_duplicate_across_runs(self):
        raw = make_mail(subject="Again later", msgid="dup-2@client.corp.example")
        self.dove.append(raw)
        self.desk.once()
        self.dove.append(raw)
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Processed"), 2)
        self.assertEqual(len(self.sink.messages()), 1)

    def test_crash_between_commit_and_move(self):
        raw = make_mail(subject="Crash test", msgid="crash-1@client.corp.example")
        self.dove.append(raw)
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        # as if the daemon died after COMMIT but before the IMAP move:
        # the very same message is back in the INBOX
        processed = self.dove.fetch("Processed")
        self.assertEqual(len(processed), 1)
        self.dove.append(processed[0][1])
        self.assertEqual(self.dove.count("INBOX"), 1)
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Processed"), 2)
        self.assertEqual(len(self.desk.outbox()), 1)
        self.assertEqual(len(self.sink.messages()), 1, "second ack sent")

    def test_utf8_subject(self):
        subj = "Drucker im 3. Stock — Tür klemmt ✓"
        raw = make_mail(subject=rfc2047(subj), sender="bruno@corp.example",
                        name=rfc2047("Bruno Müller"), body="Grüße ✓\n")
        self.dove.append(raw)
        self.desk.once()
        t = self.desk.tickets()
        self.assertEqual(len(t), 1)
        self.assertEqual(t[0]["subject"], subj)
        self.assertIn("Grüße ✓", t[0]["body"])
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        ack_raw = msgs[0][1]
        hdr = ack_raw.split(b"\r\n\r\n", 1)[0]
        self.assertTrue(hdr.isascii(), "ack header has raw 8-bit bytes")
        self.assertEqual(str(parse_mail(ack_raw)["Subject"]), "[IT #1] " + subj)
        lst = self.desk.ctl("ticket", "list").stdout
        self.assertIn(subj, lst)

    def test_smtp_from_is_envelope_sender(self):
        self.desk.conf["smtp"]["from"] = "bounces@corp.example"
        self.desk.write_conf()
        self.dove.append(make_mail(subject="Envelope"))
        self.desk.once()
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0][0]["mail_from"], "bounces@corp.example")
        self.assertEqual(self.desk.outbox()[0]["mail_from"], "bounces@corp.example")

    def test_long_subjects_folded(self):
        ascii_subj = " ".join("word%03d" % i for i in range(100))        # 899 bytes
        utf8_subj = " ".join("Tür✓%02d" % i for i in range(60))          # non-ASCII, long
        self.dove.append(make_mail(subject=ascii_subj))
        self.dove.append(make_mail(subject=rfc2047(utf8_subj)))
        self.desk.once()
        t = self.desk.tickets()
        self.assertEqual([x["subject"] for x in t], [ascii_subj, utf8_subj])
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 2)
        subjects = []
        for _, raw in msgs:
            self.assertAckBasics(raw)
            hdr = raw.split(b"\r\n\r\n", 1)[0]
            self.assertTrue(hdr.isascii(), "ack header has raw 8-bit bytes")
            for line in hdr.split(b"\r\n"):
                self.assertLessEqual(len(line), 998)
            subjects.append(str(parse_mail(raw)["Subject"]))
        self.assertEqual(sorted(subjects),
                         sorted(["[IT #1] " + ascii_subj, "[IT #2] " + utf8_subj]))

    def test_no_message_id_hash_and_dedup(self):
        raw = make_mail(subject="No Message-ID here", msgid=None,
                        date="Mon, 02 Mar 2026 10:00:00 +0000")
        self.dove.append(raw)
        self.desk.once()
        m = self.desk.mails()
        self.assertEqual(len(m), 1)
        self.assertRegex(m[0]["message_id"], r"^sha256:[0-9a-f]{64}$")
        self.assertEqual(m[0]["message_id"], sha256_id(bytes(m[0]["raw"])))
        self.assertEqual(m[0]["message_id"], sha256_id(raw))
        self.assertEqual(self.desk.ticket_count(), 1)
        self.dove.append(raw)
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Processed"), 2)

    def test_sequential_numbers(self):
        for i in range(1, 6):
            self.dove.append(make_mail(subject="Request %d" % i))
        self.desk.once()
        t = self.desk.tickets()
        self.assertEqual([x["number"] for x in t], [1, 2, 3, 4, 5])
        self.assertEqual([x["subject"] for x in t],
                         ["Request %d" % i for i in range(1, 6)])
        acks = sorted(str(parse_mail(r)["Subject"]) for _, r in self.sink.messages())
        self.assertEqual(acks, sorted("[IT #%d] Request %d" % (i, i)
                                      for i in range(1, 6)))

    def test_bad_input_goes_to_failed(self):
        # binary garbage: NUL bytes, no line ends (Dovecot would turn a
        # bare LF into CRLF on FETCH), no colon (nothing header-like)
        rnd = os.urandom(3500)
        for b in (b":", b"\r", b"\n"):
            rnd = rnd.replace(b, b"\x00")
        garbage = b"\x00\xff\x00\x01" + rnd
        self.dove.append(make_mail(subject="Good one"))
        self.dove.deliver_raw(b"")
        self.dove.deliver_raw(garbage)
        self.dove.append(make_mail(subject="No sender at all", sender=None))
        self.dove.append(make_mail(subject="Good two"))
        self.desk.start()
        wait_until(lambda: self.dove.count("INBOX") == 0, 30,
                   what="INBOX to be empty")
        wait_until(lambda: len(self.sink.messages()) >= 2, 15, what="two acks")
        self.assertEqual(self.desk.stop(), 0)
        t = self.desk.tickets()
        self.assertEqual(sorted(x["subject"] for x in t), ["Good one", "Good two"])
        self.assertEqual(sorted(x["number"] for x in t), [1, 2])
        self.assertEqual(self.dove.count("Processed"), 2)
        self.assertEqual(self.dove.count("Failed"), 3)
        failed = [m for m in self.desk.mails() if m["disposition"] == "failed"]
        self.assertEqual(len(failed), 3, [f["note"] for f in failed])
        self.assertTrue(all(f["ticket_number"] is None for f in failed))
        # Dovecot hands NUL bytes out as 0x80 over plain FETCH BODY[]
        raws = [bytes(f["raw"]) for f in failed]
        self.assertTrue(garbage in raws or garbage.replace(b"\x00", b"\x80") in raws,
                        "the garbage mail's bytes are not kept")
        self.assertEqual(len(self.sink.messages()), 2)

    def test_oversized_mail_goes_to_failed(self):
        self.desk.conf["helpdesk"]["max_mail_bytes"] = "20000"
        self.desk.write_conf()
        self.dove.append(make_mail(subject="Huge", body=("x" * 70 + "\n") * 1000))
        self.dove.append(make_mail(subject="Small"))
        self.desk.once()
        t = self.desk.tickets()
        self.assertEqual([x["subject"] for x in t], ["Small"])
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertEqual(self.dove.count("Failed"), 1)
        self.assertEqual(self.dove.count("Processed"), 1)

    def test_storm_300(self):
        n = 300
        raws = [make_mail(subject="Storm mail %03d" % i,
                          sender="user%d@corp.example" % (i % 17))
                for i in range(1, n + 1)]
        # 17 senders of ~18 mails each: above the default notice rate limit
        # (max_notices_per_hour = 10), which test_thread covers
        self.desk.conf["helpdesk"]["max_notices_per_hour"] = "1000"
        self.desk.write_conf()
        self.desk.start()
        wait_until(lambda: "Processed" in self.dove.folders(), 20,
                   what="the daemon to create Processed")
        t0 = time.monotonic()
        self.dove.append_many(raws)
        wait_until(lambda: self.desk.ticket_count() == n, 180, interval=0.5,
                   what="%d tickets" % n)
        secs = time.monotonic() - t0
        wait_until(lambda: self.dove.count("INBOX") == 0, 30, what="empty INBOX")
        wait_until(lambda: len(self.sink.messages()) == n, 120, interval=0.5,
                   what="%d acks" % n)
        self.assertEqual(self.desk.stop(), 0)
        print("# storm: %d mails appended and turned into tickets in %.1fs"
              % (n, secs))
        t = self.desk.tickets()
        self.assertEqual([x["number"] for x in t], list(range(1, n + 1)))
        self.assertEqual([x["subject"] for x in t],
                         ["Storm mail %03d" % i for i in range(1, n + 1)])
        self.assertEqual(self.dove.count("Processed"), n)
        self.assertEqual(self.desk.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'sent'"), n)
