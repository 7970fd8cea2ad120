"""The test servers on their own, without ticketd: proves the harness."""

import imaplib
import smtplib
import socket
import ssl
import threading

from harness import (IMAP_PASSWORD, IMAP_USER, LOOPBACK, SMTP_PASSWORD,
                     SMTP_USER, DeskTest, free_port, make_mail,
                     port_open)


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
        self.assertEqual(len(dove.wait_daemon_logins(2)), 2)
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

    def test_ports_never_given_twice(self):
        # A sink stopped for an outage must find its port free when it
        # comes back: the daemon's status page, picked meanwhile, may not
        # have taken it (CI once failed so, after 88 s).
        ports = [free_port() for _ in range(2000)]
        self.assertEqual(len(set(ports)), len(ports))

    def test_sink_restart_keeps_its_port(self):
        sink = self.start_sink()
        port = sink.port
        sink.stop()
        squatter = socket.socket()
        squatter.bind((LOOPBACK, port))
        squatter.listen()
        threading.Timer(1.5, squatter.close).start()
        sink.start()
        self.assertEqual(sink.port, port)
        with smtplib.SMTP(LOOPBACK, port) as s:
            s.sendmail("a@corp.example", ["b@corp.example"], make_mail())
        self.assertEqual(len(sink.messages()), 1)

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
