"""OAuth2 mailboxes (issue 14, point 5): XOAUTH2 for IMAP (libetpan) and the
bearer token for SMTP (libcurl), with the token from [imap]/[smtp]
token_file (read again when it changed) or token_command (run again when
the token was refused), against Dovecot's oauth2 passdb, which asks a small
token-introspection endpoint on loopback run by this test (RFC 7662), and
Dovecot's submission service relaying to the SMTP sink.

A refused token is one clear log line with the server's answer, then
backoff: fake IMAP and SMTP servers that refuse every token count the
attempts over a few seconds (Dovecot itself slows down repeated failures
from one address, which would hide a tight loop)."""

import base64
import json
import os
import socket
import ssl
import textwrap
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import (IMAP_USER, LOOPBACK, Dovecot, DeskTest, free_port,
                     log, make_mail, wait_until)

GOOD = "ya29.good-token-0f3c9a7e"         # what the endpoint accepts


# ---------------------------------------------------------------------------
# the token-introspection endpoint Dovecot asks

class Introspection:
    """POST /introspect with token=...: {"active": true, "username": "it"}
    for a token in self.good, else {"active": false}."""

    def __init__(self):
        self.good = {GOOD}
        self.seen = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                tok = (form.get("token") or [""])[0]
                if not tok:
                    auth = self.headers.get("Authorization") or ""
                    tok = auth.split(" ", 1)[1] if " " in auth else ""
                outer.seen.append(tok)
                body = {"active": True, "username": IMAP_USER} \
                    if tok in outer.good else {"active": False}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class OAuthDovecot(Dovecot):
    """The harness's Dovecot plus an oauth2 passdb (XOAUTH2, OAUTHBEARER)
    asking the endpoint, and a submission service (STARTTLS) that relays
    to the sink. Password logins (the harness's own) still work."""

    def __init__(self, dirpath, introspection_port, relay_port, tls):
        self.introspection_port = introspection_port
        self.relay_port = relay_port
        self.submission_port = free_port()
        super().__init__(dirpath, tls=tls)

    def _write_conf(self):
        super()._write_conf()
        args = os.path.join(self.dir, "oauth2.conf.ext")
        with open(args, "w") as f:
            f.write(textwrap.dedent("""\
                introspection_mode = post
                introspection_url = http://{lo}:{p}/introspect
                username_attribute = username
                """).format(lo=LOOPBACK, p=self.introspection_port))
        os.chmod(args, 0o644)
        with open(self.conf) as f:
            conf = f.read()
        conf = conf.replace("protocols = imap\n",
                            "protocols = imap submission\n")
        conf = conf.replace("auth_mechanisms = plain login\n",
                            "auth_mechanisms = plain login xoauth2 "
                            "oauthbearer\n")
        conf = conf.replace("passdb {\n  driver = passwd-file\n",
                            "passdb {\n  driver = oauth2\n"
                            "  mechanisms = xoauth2 oauthbearer\n"
                            "  args = %s\n}\n"
                            "passdb {\n  driver = passwd-file\n"
                            "  mechanisms = plain login\n" % args)
        conf += textwrap.dedent("""\
            hostname = mail.corp.example
            submission_relay_host = {lo}
            submission_relay_port = {relay}
            submission_relay_trusted = yes
            service submission-login {{
              chroot =
              inet_listener submission {{
                address = {lo}
                port = {port}
              }}
            }}
            """).format(lo=LOOPBACK, relay=self.relay_port,
                        port=self.submission_port)
        with open(self.conf, "w") as f:
            f.write(conf)

    def oauth_logins(self, proto="imap"):
        return [l for l in self.log_text().splitlines()
                if "%s-login:" % proto in l
                and "Login: user=<%s>" % IMAP_USER in l
                and ("method=XOAUTH2" in l or "method=OAUTHBEARER" in l)]


def write_secret(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def token_script(dirpath, tokens, name="token.sh"):
    """A token_command: each run prints the next of tokens (the last one
    again and again) and counts its runs in DIR/NAME.runs."""
    runs = os.path.join(dirpath, name + ".runs")
    lst = os.path.join(dirpath, name + ".list")
    with open(lst, "w") as f:
        f.write("\n".join(tokens) + "\n")
    path = os.path.join(dirpath, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent("""\
            #!/bin/sh
            echo run >> {runs}
            n=$(wc -l < {runs})
            t=$(sed -n "${{n}}p" {lst})
            [ -n "$t" ] || t=$(tail -n 1 {lst})
            echo "$t"
            """).format(runs=runs, lst=lst))
    os.chmod(path, 0o700)
    return path, runs


def count_lines(path):
    try:
        with open(path) as f:
            return len(f.read().splitlines())
    except FileNotFoundError:
        return 0


class OAuth2Dovecot(DeskTest):

    def setUp(self):
        super().setUp()
        self.idp = Introspection()
        self.addCleanup(self.idp.close)
        self.ca_files = self.ca()
        self.sink = self.start_sink()
        d = OAuthDovecot(self.tmp, self.idp.port, self.sink.port,
                         self.ca_files)
        self.addCleanup(self._stop_dovecot, d)
        self.dovecot = d.start()
        self.desk = self.make_desk(self.dovecot, self.sink, conf={
            "imap": {"password_file": None, "timeout": "30"}}, init=False)

    def ready(self):
        self.desk.write_conf()
        self.desk.init()

    def use_token_file(self, section, token):
        path = os.path.join(self.tmp, section + ".token")
        write_secret(path, token + "\n")
        self.desk.conf[section]["token_file"] = path
        return path

    def use_submission(self):
        self.desk.conf["smtp"].update({
            "url": "smtp://localhost:%d" % self.dovecot.submission_port,
            "user": IMAP_USER, "ca_file": self.ca_files["ca"]})

    def test_imap_xoauth2_and_smtp_bearer_from_token_files(self):
        self.use_token_file("imap", GOOD)
        self.use_submission()
        self.use_token_file("smtp", GOOD)
        self.ready()
        self.assertEqual(self.desk.run("ticketd", ["-n"]).rc, 0)
        self.dovecot.append(make_mail(subject="Printer jams"))
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(self.dovecot.count("INBOX"), 0)
        # IMAP by XOAUTH2 (libetpan has no other), SMTP by OAUTHBEARER
        # (libcurl's choice when the server offers both)
        self.assertTrue(self.dovecot.oauth_logins("imap"),
                        self.dovecot.log_tail())
        self.assertTrue(any("method=XOAUTH2" in l
                            for l in self.dovecot.oauth_logins("imap")))
        self.assertTrue(any("method=OAUTHBEARER" in l for l in
                            self.dovecot.oauth_logins("submission")),
                        self.dovecot.log_tail())
        # the ack went through submission to the sink
        wait_until(lambda: len(self.sink.messages()) == 1, 20,
                   what="the ack relayed to the sink")
        self.assertEqual(self.sink.messages()[0][0]["rcpt_tos"],
                         ["alice@corp.example"])
        self.assertIn(GOOD, self.idp.seen)
        self.assertNoSecret(self.desk, GOOD)
        # ticketctl check logs in the same way
        r = self.desk.ctl("check")
        self.assertIn("as it (XOAUTH2)", r.stdout)
        self.assertIn("logged in as it (OAuth2)", r.stdout)

    def test_token_command_run_again_when_refused(self):
        # the command first prints an expired token, then a good one
        script, runs = token_script(self.tmp, ["ya29.expired", GOOD])
        self.desk.conf["imap"]["token_command"] = script
        self.ready()
        self.dovecot.append(make_mail(subject="Monitor flickers"))
        r = self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertEqual(count_lines(runs), 2)
        self.assertEqual(self.idp.seen[:2], ["ya29.expired", GOOD])
        self.assertNoSecret(self.desk, GOOD, "ya29.expired")
        del r

    def test_token_file_refused_then_renewed(self):
        path = self.use_token_file("imap", "ya29.stale")
        self.ready()
        self.dovecot.append(make_mail(subject="Keyboard"))
        r = self.desk.once(check=1)
        # one clear line: what was refused, and the server's answer
        self.assertRegex(r.stderr, r"imap: imap 127\.0\.0\.1: OAuth2 login "
                         r"\(XOAUTH2\) as it refused: .*[Aa]uthentication "
                         r"failed")
        self.assertEqual(self.desk.ticket_count(), 0)
        # the file was not changed: no second attempt with the same token
        self.assertEqual(self.idp.seen.count("ya29.stale"), 1)
        # whatever renews the token writes the file: the next run uses it
        write_secret(path, GOOD + "\n")
        self.desk.once()
        self.assertEqual(self.desk.ticket_count(), 1)
        self.assertNoSecret(self.desk, GOOD, "ya29.stale")

    def test_token_command_failing(self):
        script = os.path.join(self.tmp, "broken.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho 'refresh token revoked' >&2\nexit 3\n")
        os.chmod(script, 0o700)
        self.desk.conf["imap"]["token_command"] = script
        self.ready()
        r = self.desk.once(check=1)
        self.assertIn("no OAuth2 token: imap token_command exited 3: "
                      "refresh token revoked", r.stderr)


# ---------------------------------------------------------------------------
# servers that refuse every token, counting the attempts

class FakeIMAP:
    """IMAP without TLS on loopback: offers AUTH=XOAUTH2, refuses it the way
    Gmail does (a base64 JSON challenge, then NO)."""

    def __init__(self):
        self.attempts = 0
        self.connections = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        f = c.makefile("rwb")
        try:
            f.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 IDLE] ready\r\n")
            f.flush()
            for line in f:
                words = line.decode("ascii", "replace").split()
                if not words:
                    continue
                tag, cmd = words[0], (words[1].upper() if len(words) > 1
                                      else "")
                if cmd == "CAPABILITY":
                    f.write(b"* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 IDLE\r\n"
                            + tag.encode() + b" OK done\r\n")
                elif cmd == "AUTHENTICATE":
                    self.attempts += 1
                    ch = base64.b64encode(b'{"status":"401","schemes":'
                                          b'"bearer","scope":"mail"}')
                    f.write(b"+ " + ch + b"\r\n")
                    f.flush()
                    f.readline()            # the client's empty answer
                    f.write(tag.encode() + b" NO [AUTHENTICATIONFAILED] "
                            b"Invalid credentials (Failure)\r\n")
                elif cmd == "LOGOUT":
                    f.write(b"* BYE\r\n" + tag.encode() + b" OK bye\r\n")
                    f.flush()
                    break
                else:
                    f.write(tag.encode() + b" BAD not now\r\n")
                f.flush()
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.stop = True
        self.sock.close()


class FakeSMTP:
    """ESMTP with STARTTLS that offers only AUTH XOAUTH2 and refuses it as
    Gmail does (535 5.7.8)."""

    def __init__(self, ca):
        self.attempts = []
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(ca["cert"], ca["key"])
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        tls = False
        f = c.makefile("rwb")
        try:
            f.write(b"220 fake.corp.example ESMTP\r\n")
            f.flush()
            while True:
                line = f.readline()
                if not line:
                    break
                cmd = line.decode("ascii", "replace").strip()
                up = cmd.upper()
                if up.startswith("EHLO"):
                    f.write(b"250-fake.corp.example\r\n" +
                            (b"250 AUTH XOAUTH2\r\n" if tls else
                             b"250 STARTTLS\r\n"))
                elif up == "STARTTLS":
                    f.write(b"220 2.0.0 go ahead\r\n")
                    f.flush()
                    c = self.ctx.wrap_socket(c, server_side=True)
                    f = c.makefile("rwb")
                    tls = True
                    continue
                elif up.startswith("AUTH"):
                    self.attempts.append(cmd.split()[1] if len(cmd.split())
                                         > 1 else "")
                    f.write(b"535 5.7.8 Username and Password not accepted."
                            b" Learn more at https://support.google.com/"
                            b"mail/?p=BadCredentials\r\n")
                elif up == "QUIT":
                    f.write(b"221 2.0.0 bye\r\n")
                    f.flush()
                    break
                else:
                    f.write(b"503 5.5.1 not now\r\n")
                f.flush()
        except (OSError, ssl.SSLError):
            pass
        finally:
            c.close()

    def close(self):
        self.stop = True
        self.sock.close()


class RefusedTokenBackoff(DeskTest):
    """Every token refused: over a few seconds the daemon tries the IMAP
    login twice (the token it had, then the one token_command gives
    instead) and the SMTP login twice, then waits (RECONNECT_MAX for the
    mailbox, the outbox's backoff for notices). Each refusal is one
    warning naming the server's answer; no token is ever logged."""

    def setUp(self):
        super().setUp()
        self.imap = FakeIMAP()
        self.addCleanup(self.imap.close)
        self.ca_files = self.ca()
        self.smtp = FakeSMTP(self.ca_files)
        self.addCleanup(self.smtp.close)
        # every run of a command gives another token
        script, self.runs = token_script(
            self.tmp, ["ya29.i%d" % i for i in range(1, 20)])
        sscript, self.sruns = token_script(
            self.tmp, ["ya29.s%d" % i for i in range(1, 20)],
            name="smtp-token.sh")
        self.desk = self.make_desk(None, None, conf={
            "imap": {"url": "imap://%s:%d" % (LOOPBACK, self.imap.port),
                     "password_file": None, "token_command": script},
            "smtp": {"url": "smtp://localhost:%d" % self.smtp.port,
                     "user": "it@corp.example", "token_command": sscript,
                     "ca_file": self.ca_files["ca"]}})

    def test_no_tight_retry_loop(self):
        # notices waiting to go out: three mails by the pipe mode, whose
        # acks the refusing SMTP server does not take
        for i in range(3):
            self.desk.stdin(make_mail(subject="Request %d" % i), check=0)
        smtp_before = len(self.smtp.attempts)
        self.assertEqual(smtp_before, 6)    # each run: a token, then another
        # make them due now (the runs scheduled them 30 s ahead)
        self.desk.sql("UPDATE outbox SET next_attempt_at = 0")
        self.desk.start()
        # both refusals logged (slow under a loaded sanitizer build), then
        # a few seconds more in which nothing may be tried again
        wait_until(lambda: "smtp localhost: OAuth2 login" in
                   self.desk.daemon_log() and "imap 127.0.0.1: OAuth2 login"
                   in self.desk.daemon_log(), 60, interval=0.2,
                   what="both logins refused")
        time.sleep(5)
        log_text = self.desk.daemon_log()
        self.desk.stop()
        self.assertEqual(self.imap.attempts, 2, log_text)
        self.assertEqual(count_lines(self.runs), 2)
        # the outbox tried once (two tokens), then holds off 30 s
        self.assertEqual(len(self.smtp.attempts) - smtp_before, 2, log_text)
        self.assertTrue(all(m == "XOAUTH2" for m in self.smtp.attempts))
        self.assertIn("imap: imap 127.0.0.1: OAuth2 login (XOAUTH2) as it "
                      "refused: Invalid credentials (Failure); will try "
                      "again (fix the configuration)", log_text)
        self.assertIn("smtp localhost: OAuth2 login as it@corp.example "
                      "refused: 535 5.7.8 Username and Password not "
                      "accepted.", log_text)
        for tok in ("ya29.i1", "ya29.i2", "ya29.s1", "ya29.s7", "ya29.s8"):
            self.assertNotIn(tok, log_text)
        self.assertNoSecret(self.desk, "ya29.i1", "ya29.s1", "ya29.s8")
        # the acks are still there, waiting
        self.assertEqual({r["status"] for r in self.desk.outbox()},
                         {"pending"})
        log("imap attempts", self.imap.attempts, "smtp",
            self.smtp.attempts)
