"""TLS to IMAP (imaps://, STARTTLS) and SMTP (STARTTLS + AUTH), with a test CA."""

import base64
import os

from harness import (IMAP_PASSWORD, IMAP_USER, SMTP_PASSWORD, SMTP_USER,
                     DeskTest, make_ca, make_mail)


def login_lines(dove):
    return dove.daemon_logins(IMAP_USER)


class ImapTls(DeskTest):

    def setUp(self):
        super().setUp()
        self.cafiles = self.ca()
        self.dove = self.start_dovecot(tls=self.cafiles)
        self.sink = self.start_sink()
        self.dove.append(make_mail(subject="Over TLS"))

    def desk_for(self, url, ca=True, starttls="no"):
        conf = {"imap": {"url": url, "starttls": starttls,
                         "ca_file": self.cafiles["ca"] if ca else None}}
        return self.make_desk(self.dove, self.sink, conf=conf)

    def assertRefused(self, desk, r, *words):
        self.assertEqual(desk.ticket_count(), 0, "a ticket was made")
        self.assertEqual(self.dove.count("INBOX"), 1, "the mail left the INBOX")
        self.assertEqual(login_lines(self.dove), [], "the daemon logged in")
        low = r.stderr.lower()
        self.assertTrue(any(w in low for w in words),
                        "stderr mentions none of %s" % (words,))
        self.assertNotIn(IMAP_PASSWORD, r.stderr)

    def test_imaps_without_ca_refused(self):
        desk = self.desk_for("imaps://localhost:%d" % self.dove.imaps_port, ca=False)
        r = desk.run("ticketd", ["-v", "--once"])
        self.assertRefused(desk, r, "certificate", "verif", "trust")

    def test_imaps_with_ca(self):
        desk = self.desk_for("imaps://localhost:%d" % self.dove.imaps_port)
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        self.assertTrue(all("TLS" in l
                            for l in self.dove.wait_daemon_logins(1)))

    def test_starttls_without_ca_refused(self):
        desk = self.desk_for("imap://localhost:%d" % self.dove.port, ca=False,
                             starttls="yes")
        r = desk.run("ticketd", ["-v", "--once"])
        self.assertRefused(desk, r, "certificate", "verif", "trust")

    def test_starttls_with_ca(self):
        desk = self.desk_for("imap://localhost:%d" % self.dove.port, starttls="yes")
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        lines = self.dove.wait_daemon_logins(1)
        self.assertTrue(all("TLS" in l for l in lines), lines)

    def test_wrong_host_name_refused(self):
        other = make_ca(os.path.join(self.tmp, "ca-other"), names=("mail.test",),
                        ips=())
        self.dove.stop()
        self.dove.tls = other
        self.dove._write_conf()
        self.dove.start()
        conf = {"imap": {"url": "imaps://localhost:%d" % self.dove.imaps_port,
                         "ca_file": other["ca"]}}
        desk = self.make_desk(self.dove, self.sink, conf=conf)
        r = desk.run("ticketd", ["-v", "--once"])
        self.assertRefused(desk, r, "certificate", "verif", "host", "name")


class ImapStarttlsMissing(DeskTest):

    def test_starttls_required_but_not_offered(self):
        dove = self.start_dovecot()            # ssl = no: no STARTTLS
        sink = self.start_sink()
        dove.append(make_mail(subject="Never in clear text"))
        desk = self.make_desk(dove, sink, conf={"imap": {
            "url": "imap://localhost:%d" % dove.port, "starttls": "yes"}})
        r = desk.run("ticketd", ["-v", "--once"])
        self.assertEqual(desk.ticket_count(), 0)
        self.assertEqual(login_lines(dove), [], "logged in without TLS")
        self.assertIn("tls", r.stderr.lower())


def secret_forms(user, password):
    forms = [password.encode()]
    for s in ("\0%s\0%s" % (user, password), "%s\0%s\0%s" % (user, user, password),
              password):
        forms.append(base64.b64encode(s.encode()))
    return forms


class SmtpTls(DeskTest):

    def setUp(self):
        super().setUp()
        self.cafiles = self.ca()
        self.dove = self.start_dovecot()
        self.dove.append(make_mail(subject="Ack over STARTTLS"))

    def desk_for(self, sink, ca=True):
        desk = self.make_desk(self.dove, sink, conf={"smtp": {
            "url": "smtp://localhost:%d" % sink.port,
            "ca_file": self.cafiles["ca"] if ca else None}})
        desk.set_smtp_password()
        return desk

    def assertNoPasswordOnWire(self, sink):
        wire = sink.wire()
        for f in secret_forms(SMTP_USER, SMTP_PASSWORD):
            self.assertNotIn(f, wire, "the SMTP password crossed the wire")
        self.assertEqual([a for a in sink.auth_attempts()], [],
                         "the sink got an AUTH")

    def test_starttls_auth_delivered(self):
        sink = self.start_sink(tls=self.cafiles, require_starttls=True,
                               auth=(SMTP_USER, SMTP_PASSWORD))
        desk = self.desk_for(sink)
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        msgs = sink.messages()
        self.assertEqual(len(msgs), 1)
        env = msgs[0][0]
        self.assertTrue(env["tls"])
        self.assertEqual(env["auth_user"], SMTP_USER)
        self.assertEqual(desk.outbox()[0]["status"], "sent")
        self.assertNoSecret(desk, SMTP_PASSWORD)

    def test_starttls_untrusted_cert_not_sent(self):
        sink = self.start_sink(tls=self.cafiles, require_starttls=True,
                               auth=(SMTP_USER, SMTP_PASSWORD))
        desk = self.desk_for(sink, ca=False)
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        self.assertEqual(sink.messages(), [])
        self.assertNotEqual(desk.outbox()[0]["status"], "sent")
        self.assertTrue(desk.outbox()[0]["last_error"])
        self.assertEqual(sink.auth_attempts(), [])
        self.assertNoSecret(desk, SMTP_PASSWORD)

    def test_credentials_without_starttls_not_sent(self):
        # a sink that offers AUTH in clear text and no STARTTLS
        sink = self.start_sink(auth=(SMTP_USER, SMTP_PASSWORD), auth_clear=True)
        desk = self.desk_for(sink)
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        self.assertEqual(sink.messages(), [])
        ob = desk.outbox()[0]
        self.assertIn(ob["status"], ("failed", "pending"))
        if ob["status"] == "pending":
            err = (ob["last_error"] or "").lower()
            self.assertTrue("tls" in err or "ssl" in err,
                            "pending, but last_error does not mention TLS: %r"
                            % ob["last_error"])
        self.assertNoPasswordOnWire(sink)
        self.assertNoSecret(desk, SMTP_PASSWORD)
