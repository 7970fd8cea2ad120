"""The test servers on their own, without ticketd: proves the harness."""

import imaplib
import smtplib
import ssl

from harness import (IMAP_PASSWORD, IMAP_USER, LOOPBACK, SMTP_PASSWORD,
                     SMTP_USER, DeskTest, make_mail, port_open)


class Harness(DeskTest):

    def test_dovecot_roundtrip_and_restart(self):
        dove = self.start_dovecot()
        raw = make_mail()
        dove.append(raw)
        dove.save(make_mail(subject="via doveadm"))
        dove.deliver_raw(b"\x00garbage")
        self.assertEqual(dove.count("INBOX"), 3)
        self.assertEqual(dove.count("Nonexistent"), 0)
        got = dove.fetch()
        self.assertEqual(got[0][1], raw)
        self.assertNotIn("\\Seen", got[0][0])
        dove.restart()
        self.assertEqual(dove.count("INBOX"), 3)
        dove.stop()
        self.assertFalse(port_open(dove.port))

    def test_dovecot_tls(self):
        ca = self.ca()
        dove = self.start_dovecot(tls=ca)
        ctx = ssl.create_default_context(cafile=ca["ca"])
        c = imaplib.IMAP4_SSL("localhost", dove.imaps_port, ssl_context=ctx)
        c.login(IMAP_USER, IMAP_PASSWORD)
        c.logout()
        c = imaplib.IMAP4("localhost", dove.port)
        c.starttls(ssl_context=ctx)
        c.login(IMAP_USER, IMAP_PASSWORD)
        c.logout()
        self.assertEqual(len(dove.daemon_logins()), 2)
        self.assertTrue(all("TLS" in l for l in dove.daemon_logins()))
        dove.count("INBOX")         # harness logins are not counted
        self.assertEqual(len(dove.daemon_logins()), 2)

    def test_sink_store_and_restart(self):
        sink = self.start_sink()
        raw = make_mail()
        with smtplib.SMTP(LOOPBACK, sink.port) as s:
            s.sendmail("a@corp.example", ["b@corp.example"], raw)
        sink.stop()
        sink.start()
        with smtplib.SMTP(LOOPBACK, sink.port) as s:
            s.sendmail("c@corp.example", ["d@corp.example"], raw)
        msgs = sink.messages()
        self.assertEqual([m[0]["mail_from"] for m in msgs],
                         ["a@corp.example", "c@corp.example"])
        self.assertEqual(msgs[0][1], raw)

    def test_sink_starttls_auth_and_replies(self):
        ca = self.ca()
        sink = self.start_sink(tls=ca, require_starttls=True,
                               auth=(SMTP_USER, SMTP_PASSWORD))
        ctx = ssl.create_default_context(cafile=ca["ca"])
        with smtplib.SMTP("localhost", sink.port) as s:
            s.starttls(context=ctx)
            s.login(SMTP_USER, SMTP_PASSWORD)
            s.sendmail("a@corp.example", ["b@corp.example"], make_mail())
        env = sink.messages()[0][0]
        self.assertTrue(env["tls"])
        self.assertEqual(env["auth_user"], SMTP_USER)
        self.assertTrue(sink.auth_attempts()[0]["ok"])
        with smtplib.SMTP("localhost", sink.port) as s:
            with self.assertRaises(smtplib.SMTPException):
                s.sendmail("a@corp.example", ["b@corp.example"], make_mail())
        bad = self.start_sink(reply="451 4.3.0 later")
        with smtplib.SMTP(LOOPBACK, bad.port) as s:
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                s.sendmail("a@corp.example", ["b@corp.example"], make_mail())
        self.assertEqual(cm.exception.smtp_code, 451)
