#!/usr/bin/python3
"""harness.py — throwaway Dovecot + SMTP sink + ticketd for the tests.

Used by tests/integration/test_*.py (unittest) and by contrib/demo.sh
(`harness.py demo`). Python 3 stdlib only, plus aiosmtpd in smtpsink.py.
Run with /usr/bin/python3 (Debian's aiosmtpd).

Environment:
  TICKETD_BIN       directory holding ticketd and ticketctl (default: repo root)
  TICKETD_TEST_TMP  parent directory for every temp dir (default: $TMPDIR)
  TICKETD_KEEP=1    keep temp dirs of passing tests too
  TICKETD_VALGRIND=1  run ticketd and ticketctl under valgrind memcheck
                    (tests/run --valgrind sets it): any error or leak it
                    reports fails the test like a sanitizer report, and
                    the harness's time limits are multiplied by SLOW

Every process run through Desk is checked for sanitizer reports
("AddressSanitizer", "LeakSanitizer", "runtime error:"): one is a failure.
Servers are started in their own process group and killed with SIGKILL to
the whole group; every group is also recorded in DIR/.pgids so tests/run can
sweep after a test that was killed by its timeout.
"""

import base64
import contextlib
import email
import email.policy
import email.utils
import grp
import hashlib
import imaplib
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")


def schema_version():
    """DB_SCHEMA_VERSION from src/db.h: the version a new database gets."""
    with open(os.path.join(REPO, "src", "db.h")) as f:
        for line in f:
            if line.startswith("#define DB_SCHEMA_VERSION"):
                return int(line.split()[2])
    raise RuntimeError("src/db.h has no DB_SCHEMA_VERSION")
PYTHON = "/usr/bin/python3"
LOOPBACK = "127.0.0.1"

DESK_ADDR = "it@corp.example"
DESK_NAME = "IT help desk"
IMAP_USER = "it"
IMAP_PASSWORD = "imap-Secret-7f3a9c"
SMTP_USER = "ticketd"
SMTP_PASSWORD = "smtp-Secret-41b2e8"

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")

VALGRIND = os.environ.get("TICKETD_VALGRIND", "") not in ("", "0")
# how much longer things take under valgrind (time limits are scaled)
SLOW = 5 if VALGRIND else 1


def valgrind_argv(log_file=None):
    """The valgrind command that runs a program (prepend it to argv): no
    invalid read or write, no use of uninitialised values, no definite or
    indirect leak; tests/valgrind.supp holds the suppressions (each says
    why). The report goes to log_file (%p: the pid); valgrind exits 99
    when it found anything. TICKETD_VALGRIND_OPTS adds options (e.g.
    --track-origins=yes when hunting one down)."""
    # --vgdb=no: no gdbserver pipes in /tmp, which a daemon that has
    # dropped its privileges could not remove (valgrind said so in the log)
    return (["valgrind", "--quiet", "--error-exitcode=99", "--vgdb=no",
             "--leak-check=full", "--show-leak-kinds=definite,indirect",
             "--errors-for-leak-kinds=definite,indirect",
             "--suppressions=" + os.path.join(REPO, "tests", "valgrind.supp"),
             "--log-file=" + log_file if log_file else "--log-fd=2"]
            + os.environ.get("TICKETD_VALGRIND_OPTS", "").split())


QUIET = False


def log(*args):
    """Transcript line on stderr (tests/run shows it when a test fails)."""
    if QUIET:
        return
    print("# " + " ".join(str(a) for a in args), file=sys.stderr, flush=True)


def bin_dir():
    d = os.environ.get("TICKETD_BIN") or REPO
    if not os.path.isabs(d):
        d = os.path.join(REPO, d)
    return d


def tmp_base():
    base = os.environ.get("TICKETD_TEST_TMP")
    if base:
        os.makedirs(base, exist_ok=True)
    return base


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


_ports_given = set()


def free_port():
    """A loopback TCP port that was free a moment ago, picked at random
    below the ephemeral range: outgoing connections never take it in the
    meantime, and parallel tests rarely pick the same one. A port once
    given is never given again by this process: a server stopped for a
    while (the SMTP sink in an outage test) must find its port still free
    when it comes back, not taken by the daemon's status page."""
    import random
    lo, hi = _ephemeral_range()
    top = lo - 1 if lo > 12000 else 65535
    bottom = 10000 if lo > 12000 else hi + 1
    for _ in range(200):
        port = random.randint(bottom, top)
        if port in _ports_given:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
        if not port_open(port):
            _ports_given.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        port = s.getsockname()[1]
    _ports_given.add(port)
    return port


def port_open(port, host=LOOPBACK):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(pred, timeout=10.0, interval=0.05, what="condition"):
    timeout *= SLOW
    """Poll pred() until it is true; return its value or raise."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def record_pgid(dirpath, pgid):
    with open(os.path.join(dirpath, ".pgids"), "a") as f:
        f.write("%d\n" % pgid)


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def check_sanitizer(text, what):
    """Fail when a sanitizer reported anything in text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for m in SANITIZER_MARKERS:
        if m in text:
            i = text.index(m)
            raise AssertionError("%s: sanitizer report (%s):\n%s"
                                 % (what, m, text[max(0, i - 2000):i + 6000]))


def sanitizer_env(env=None):
    env = dict(os.environ if env is None else env)
    # the page shows figures that include the last change when computing
    # them takes under 50 ms, else the last ones at once (web_stats.h);
    # under a sanitizer or valgrind on a busy machine even a small desk's
    # can take longer, and the tests want the change: wait up to 10 s
    env.setdefault("TICKETD_TEST_FIGURES_WAIT_MS", "10000")
    env.setdefault("ASAN_OPTIONS",
                   "detect_leaks=1:abort_on_error=0:halt_on_error=1:"
                   "detect_stack_use_after_return=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def mail_users():
    """(user, group) the Dovecot processes run as."""
    if os.geteuid() == 0:
        return "nobody", "nogroup"
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def chown_mail(path):
    if os.geteuid() != 0:
        return
    u, g = mail_users()
    os.chown(path, pwd.getpwnam(u).pw_uid, grp.getgrnam(g).gr_gid)


# ---------------------------------------------------------------------------
# Mails

_seq = [0]


def make_mail(subject="Printer on 3rd floor jams", sender="alice@corp.example",
              name="Alice Example", body="The printer jams on every page.\n",
              msgid=True, to=DESK_ADDR, headers=(), date=None):
    """A simple text/plain mail as CRLF bytes. msgid: True = a fresh one,
    a string = that one (without <>), None = no Message-ID header."""
    _seq[0] += 1
    lines = []
    if sender is not None:
        lines.append("From: %s" % (email.utils.formataddr((name, sender))
                                   if name else sender))
    lines.append("To: %s" % to)
    if subject is not None:
        lines.append("Subject: %s" % subject)
    lines.append("Date: %s" % (date or email.utils.formatdate(localtime=False)))
    if msgid is True:
        msgid = "test-%d-%d-%s@client.corp.example" % (
            os.getpid(), _seq[0], os.urandom(4).hex())
    if msgid:
        lines.append("Message-ID: <%s>" % msgid)
    lines.extend(headers)
    lines.append("MIME-Version: 1.0")
    lines.append("Content-Type: text/plain; charset=utf-8")
    lines.append("Content-Transfer-Encoding: 8bit")
    text = "\r\n".join(lines) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")


def rfc2047(s):
    return "=?UTF-8?B?%s?=" % base64.b64encode(s.encode("utf-8")).decode()


def sha256_id(raw):
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse_mail(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


# ---------------------------------------------------------------------------
# Test CA (openssl)

def make_ca(dirpath, names=("localhost",), ips=(LOOPBACK,)):
    """A test CA and a server certificate for names/ips, made with openssl.
    Returns dict with ca, cert, key paths."""
    os.makedirs(dirpath, exist_ok=True)
    p = lambda n: os.path.join(dirpath, n)
    if os.path.exists(p("server.pem")):
        return {"ca": p("ca.pem"), "cert": p("server.pem"), "key": p("server.key")}

    def ossl(*args):
        r = subprocess.run(["openssl"] + list(args), cwd=dirpath,
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("openssl %s: %s" % (args[0], r.stderr.decode()))

    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
    ossl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "30",
         "-subj", "/CN=ticketd test CA", "-out", "ca.pem",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key")
    ossl("req", "-new", "-key", "server.key", "-subj", "/CN=%s" % names[0],
         "-out", "server.csr")
    san = ",".join(["DNS:%s" % n for n in names] + ["IP:%s" % i for i in ips])
    with open(p("ext.cnf"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=%s\n" % san)
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-sha256", "-days", "30", "-extfile", "ext.cnf",
         "-out", "server.pem")
    os.chmod(p("server.key"), 0o644)  # Dovecot's master reads it as root anyway
    return {"ca": p("ca.pem"), "cert": p("server.pem"), "key": p("server.key")}


# ---------------------------------------------------------------------------
# Dovecot

HARNESS_SRC = "127.0.0.2"


class _HarnessIMAP(imaplib.IMAP4):
    def _create_socket(self, timeout):
        try:
            return socket.create_connection((self.host, self.port), timeout,
                                            source_address=(HARNESS_SRC, 0))
        except OSError:
            return socket.create_connection((self.host, self.port), timeout)


class Dovecot:
    """A private Dovecot instance: imap on a free loopback port (and imaps
    with tls=...). users: {name: password}."""

    def __init__(self, dirpath, users=None, tls=None):
        self.dir = os.path.join(dirpath, "dovecot")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(dirpath, 0o755)
        os.chmod(self.dir, 0o755)
        self.users = dict(users or {IMAP_USER: IMAP_PASSWORD})
        self.tls = tls            # dict from make_ca() or None
        self.port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.conf = os.path.join(self.dir, "dovecot.conf")
        self.log_path = os.path.join(self.dir, "dovecot.log")
        self.proc = None
        # unix sockets live in base_dir: keep its path short (108 bytes max)
        parent = tmp_base() or "/tmp"
        if len(parent) > 60:
            parent = "/tmp"
        self.run_dir = tempfile.mkdtemp(prefix="tdv-", dir=parent)
        os.chmod(self.run_dir, 0o755)
        self._write_conf()

    def close(self):
        """Stop and remove the socket directory (the rest stays in dir)."""
        self.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def home(self, user=IMAP_USER):
        return os.path.join(self.dir, "home", user)

    def _write_conf(self):
        u, g = mail_users()
        for sub in ("state", "home"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            os.chmod(os.path.join(self.dir, sub), 0o755)
        users_file = os.path.join(self.dir, "users")
        with open(users_file, "w") as f:
            for name, pw in self.users.items():
                home = self.home(name)
                os.makedirs(home, exist_ok=True)
                chown_mail(home)
                f.write("%s:{PLAIN}%s::::%s::\n" % (name, pw, home))
        os.chmod(users_file, 0o644)
        if self.tls:
            ssl = textwrap.dedent("""\
                ssl = yes
                ssl_cert = <%s
                ssl_key = <%s
                ssl_min_protocol = TLSv1.2
                """) % (self.tls["cert"], self.tls["key"])
        else:
            ssl = "ssl = no\n"
        chroot = "" if os.geteuid() == 0 else "  chroot =\n"
        conf = textwrap.dedent("""\
            # written by tests/integration/harness.py
            protocols = imap
            listen = {lo}
            base_dir = {r}
            state_dir = {d}/state
            log_path = {d}/dovecot.log
            info_log_path = {d}/dovecot.log
            auth_verbose = yes
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_login_user = {u}
            default_internal_user = {u}
            default_internal_group = {g}
            mail_uid = {u}
            mail_gid = {g}
            first_valid_uid = 1
            mail_location = maildir:~/Maildir
            passdb {{
              driver = passwd-file
              args = {d}/users
            }}
            userdb {{
              driver = passwd-file
              args = {d}/users
            }}
            service imap-login {{
            {chroot}  inet_listener imap {{
                address = {lo}
                port = {port}
              }}
              inet_listener imaps {{
                address = {lo}
                port = {imaps}
              }}
            }}
            """).format(lo=LOOPBACK, d=self.dir, r=self.run_dir, u=u, g=g, port=self.port,
                        imaps=self.imaps_port, chroot=chroot)
        with open(self.conf, "w") as f:
            f.write(conf + ssl)

    @property
    def pidfile(self):
        return os.path.join(self.run_dir, "master.pid")

    def start(self, timeout=15):
        assert self.proc is None, "dovecot already running"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.pidfile)
        logf = open(os.path.join(self.dir, "master.out"), "ab")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=logf, start_new_session=True)
        logf.close()
        record_pgid(self.dir, self.proc.pid)
        ports = [self.port] + ([self.imaps_port] if self.imaps_port else [])
        try:
            wait_until(lambda: self.proc.poll() is not None or (
                os.path.exists(self.pidfile) and all(port_open(q) for q in ports)),
                timeout, what="dovecot to listen on %s" % ports)
        except AssertionError:
            self.stop()
            raise AssertionError("dovecot did not start:\n" + self.log_tail())
        if self.proc.poll() is not None:
            rc = self.proc.returncode
            self.proc = None
            raise AssertionError("dovecot exited %s:\n%s" % (rc, self.log_tail()))
        log("dovecot started pid", self.proc.pid, "imap port", self.port,
            "imaps port", self.imaps_port or "-")
        return self

    def stop(self):
        """SIGKILL the whole process group (instant) and reap the master."""
        if self.proc is None:
            return
        kill_group(self.proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        log("dovecot stopped pid", self.proc.pid)
        self.proc = None

    def restart(self):
        self.stop()
        wait_until(lambda: not port_open(self.port), 5, what="imap port to close")
        return self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def daemon_logins(self, user=IMAP_USER):
        """Dovecot's "Login: user=<…>" lines that are not the harness's."""
        return [l for l in self.log_text().splitlines()
                if "Login: user=<%s>" % user in l
                and "rip=%s," % HARNESS_SRC not in l]

    def wait_daemon_logins(self, n, user=IMAP_USER):
        """daemon_logins() once it holds at least n lines: Dovecot's log
        process writes a login line a moment after the client saw OK (CI
        once read the log before the second of two logins was in it)."""
        return wait_until(lambda: (lambda l: l if len(l) >= n else None)(
                              self.daemon_logins(user)),
                          what="%d login lines in Dovecot's log" % n)

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    # -- mailbox access -------------------------------------------------

    @contextlib.contextmanager
    def imap(self, user=IMAP_USER):
        """A connection from HARNESS_SRC, so Dovecot's log tells the
        harness's logins (rip=127.0.0.2) from the daemon's."""
        c = _HarnessIMAP(LOOPBACK, self.port, timeout=20)
        try:
            c.login(user, self.users[user])
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    def append(self, raw, mailbox="INBOX", user=IMAP_USER):
        """IMAP APPEND without flags (the mail stays unseen)."""
        with self.imap(user) as c:
            typ, data = c.append(mailbox, None, None, raw)
            assert typ == "OK", "APPEND failed: %r" % data

    def append_many(self, raws, mailbox="INBOX", user=IMAP_USER):
        """APPEND many mails over one connection."""
        with self.imap(user) as c:
            for raw in raws:
                typ, data = c.append(mailbox, None, None, raw)
                assert typ == "OK", "APPEND failed: %r" % data

    def save(self, raw, mailbox="INBOX", user=IMAP_USER):
        """doveadm save (like an MDA)."""
        r = subprocess.run(["doveadm", "-c", self.conf, "save", "-u", user,
                            "-m", mailbox], input=raw, capture_output=True,
                           timeout=30)
        assert r.returncode == 0, "doveadm save: %s" % r.stderr.decode()

    def deliver_raw(self, raw, user=IMAP_USER):
        """Write the bytes as they are into Maildir/new (byte-exact, for
        mails IMAP APPEND would refuse: empty, NUL bytes)."""
        md = os.path.join(self.home(user), "Maildir")
        for sub in ("", "new", "cur", "tmp"):
            p = os.path.join(md, sub)
            if not os.path.isdir(p):
                os.makedirs(p, exist_ok=True)
                os.chmod(p, 0o700)
                chown_mail(p)
        _seq[0] += 1
        name = "%d.M%dP%dQ%d.ticketd-test" % (time.time(), time.time_ns() % 10**6,
                                              os.getpid(), _seq[0])
        tmp = os.path.join(md, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        chown_mail(tmp)
        os.rename(tmp, os.path.join(md, "new", name))

    def folders(self, user=IMAP_USER):
        with self.imap(user) as c:
            typ, data = c.list()
            out = []
            for line in data or []:
                if line:
                    out.append(line.decode().rsplit(' ', 1)[-1].strip('"'))
            return out

    def count(self, mailbox="INBOX", user=IMAP_USER):
        """Messages in mailbox (0 when it does not exist)."""
        with self.imap(user) as c:
            typ, data = c.status(mailbox, "(MESSAGES)")
            if typ != "OK":
                return 0
            s = data[0].decode()
            return int(s.rsplit("MESSAGES", 1)[1].strip(" )"))

    def fetch(self, mailbox="INBOX", user=IMAP_USER):
        """[(flags, raw bytes)] of every message in mailbox."""
        with self.imap(user) as c:
            typ, _ = c.select(mailbox, readonly=True)
            if typ != "OK":
                return []
            typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[])")
            if typ != "OK":
                return []
            out = []
            for item in data:
                if isinstance(item, tuple):
                    out.append((item[0].decode(), item[1]))
            return out


# ---------------------------------------------------------------------------
# SMTP sink

class SmtpSink:
    """tests/integration/smtpsink.py as a subprocess on a fixed port (so it
    can be stopped and started again on the same one)."""

    def __init__(self, dirpath, port=None, tls=None, require_starttls=False,
                 auth=None, auth_clear=False, reply=None, name=None,
                 spool=False):
        if name is None:        # sink, sink2, sink3… within one directory
            name, i = "sink", 1
            while os.path.exists(os.path.join(dirpath, name)):
                i += 1
                name = "sink%d" % i
        self.dir = os.path.join(dirpath, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.auto_port = port is None   # ours to change if taken meanwhile
        self.tls = tls
        self.require_starttls = require_starttls
        self.auth = auth            # (user, password) or None
        self.auth_clear = auth_clear
        self.reply = reply
        self.spool = spool      # smtpsink.py --spool: DIR/spool, not files
        self.proc = None

    def start(self, timeout=15):
        """Start it; a port picked by free_port() that a parallel test
        took in the meantime is picked again (up to five times), but only
        on the first start: once started, the port is in a daemon's
        config, and a sink that came back elsewhere would never be
        reached (it is tried again for a while instead)."""
        for attempt in range(5):
            try:
                self._start(timeout)
                self.auto_port = False
                return self
            except AssertionError as e:
                if "in use" not in str(e) or attempt == 4:
                    raise
                if self.auto_port:
                    log("smtp sink: port", self.port, "taken, another one")
                    self.port = free_port()
                else:
                    log("smtp sink: port", self.port, "taken, again in 1 s")
                    time.sleep(1)

    def _start(self, timeout):
        assert self.proc is None
        cmd = [PYTHON, os.path.join(HERE, "smtpsink.py"), "--port",
               str(self.port), "--dir", self.dir]
        if self.tls:
            cmd += ["--tls-cert", self.tls["cert"], "--tls-key", self.tls["key"]]
            if self.require_starttls:
                cmd.append("--require-starttls")
        if self.auth:
            cmd += ["--auth-user", self.auth[0], "--auth-password", self.auth[1]]
            if self.auth_clear:
                cmd.append("--auth-clear")
        if self.reply:
            cmd += ["--reply", self.reply]
        if self.spool:
            cmd.append("--spool")
        errf = open(os.path.join(self.dir, "sink.err"), "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=errf,
                                     start_new_session=True)
        errf.close()
        record_pgid(self.dir, self.proc.pid)
        line = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if not line.startswith(b"READY"):
            self.stop()
            raise AssertionError("smtp sink did not start: %s" % self.errors())
        log("smtp sink started pid", self.proc.pid, "port", self.port,
            "tls" if self.tls else "", "auth" if self.auth else "",
            self.reply or "")
        return self

    def stop(self):
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            kill_group(self.proc.pid)
            self.proc.wait(timeout=5)
        kill_group(self.proc.pid)
        if self.proc.stdout:
            self.proc.stdout.close()
        log("smtp sink stopped pid", self.proc.pid)
        self.proc = None

    def errors(self):
        try:
            with open(os.path.join(self.dir, "sink.err"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _spooled(self):
        out = []
        try:
            with open(os.path.join(self.dir, "spool"), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return out
        i = 0
        while True:
            j = data.find(b"\n", i)
            if j < 0:
                break
            env = json.loads(data[i:j])
            end = j + 1 + env["len"]
            if end + 1 > len(data):
                break               # the last one still being written
            out.append((env, data[j + 1:end]))
            i = end + 1
        return out

    def messages(self):
        """[(envelope dict, raw bytes)] in arrival order."""
        if self.spool:
            return self._spooled()
        out = []
        for n in sorted(os.listdir(self.dir)):
            if not n.endswith(".json"):
                continue
            base = os.path.join(self.dir, n[:-5])
            with open(base + ".json") as f:
                env = json.load(f)
            with open(base + ".eml", "rb") as f:
                out.append((env, f.read()))
        return out

    def set_delay(self, secs):
        """Every DATA waits secs before it is stored and answered."""
        with open(os.path.join(self.dir, "delay.tmp"), "w") as f:
            f.write("%s\n" % secs)
        os.rename(os.path.join(self.dir, "delay.tmp"),
                  os.path.join(self.dir, "delay"))

    def count(self):
        """Messages stored so far (cheaper than messages())."""
        if self.spool:
            return len(self._spooled())
        return sum(1 for n in os.listdir(self.dir) if n.endswith(".json"))

    def wire(self):
        try:
            with open(os.path.join(self.dir, "wire.log"), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def auth_attempts(self):
        try:
            with open(os.path.join(self.dir, "auth.log")) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []


# ---------------------------------------------------------------------------
# The desk: config, ticketctl, ticketd, database

class Result:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    @property
    def stderr(self):
        return self.err.decode("utf-8", "replace")

    @property
    def stdout(self):
        return self.out.decode("utf-8", "replace")


class Desk:
    """Writes DIR/ticketd.conf (+ imap.pass, smtp.pass, mode 0600) and runs
    the binaries against it. conf: {section: {key: value}}; a value of None
    removes the key."""

    def __init__(self, dirpath, dovecot=None, sink=None, conf=None,
                 timeout=60):
        self.dir = dirpath
        self.dovecot = dovecot
        self.sink = sink
        self.db = os.path.join(dirpath, "ticketd.db")
        self.path = os.path.join(dirpath, "ticketd.conf")
        self.timeout = timeout
        self.web_port = free_port()     # the status page ([web] listen)
        self.daemon = None
        self.daemon_err = None
        self.runs = []      # every Result, for leak checks over all output
        self.conf = self.default_conf()
        for sec, kv in (conf or {}).items():
            self.conf.setdefault(sec, {}).update(kv)
        self.write_conf()

    def default_conf(self):
        imap_port = self.dovecot.port if self.dovecot else free_port()
        smtp_port = self.sink.port if self.sink else free_port()
        pw = os.path.join(self.dir, "imap.pass")
        with open(pw, "w") as f:
            f.write(IMAP_PASSWORD + "\n")
        os.chmod(pw, 0o600)
        return {
            "imap": {
                "url": "imap://%s:%d" % (LOOPBACK, imap_port),
                "user": IMAP_USER,
                "password_file": pw,
                "starttls": "no",
                "mailbox": "INBOX",
                "processed": "Processed",
                "failed": "Failed",
                "idle": "yes",
                "poll_interval": "1",
                "timeout": "10",
            },
            "smtp": {
                "url": "smtp://%s:%d" % (LOOPBACK, smtp_port),
                "timeout": "10",
            },
            "helpdesk": {
                "address": DESK_ADDR,
                "name": DESK_NAME,
                "tag": "IT",
                "database": self.db,
                "trust": "from",
                "allow_domains": "corp.example",
            },
            "web": {
                "listen": "%s:%d" % (LOOPBACK, self.web_port),
            },
        }

    def set_smtp_password(self, password=SMTP_PASSWORD, user=SMTP_USER):
        pw = os.path.join(self.dir, "smtp.pass")
        with open(pw, "w") as f:
            f.write(password + "\n")
        os.chmod(pw, 0o600)
        self.conf["smtp"]["user"] = user
        self.conf["smtp"]["password_file"] = pw
        self.write_conf()

    def write_conf(self, text=None):
        if text is None:
            parts = []
            for sec, kv in self.conf.items():
                parts.append("[%s]" % sec)
                for k, v in kv.items():
                    if v is not None:
                        parts.append("%s = %s" % (k, v))
                parts.append("")
            text = "\n".join(parts)
        with open(self.path, "w") as f:
            f.write(text)
        os.chmod(self.path, 0o600)

    def binary(self, name):
        p = os.path.join(bin_dir(), name)
        if not os.access(p, os.X_OK):
            raise unittest.SkipTest("%s not built" % p)
        return p

    def wrap(self, argv):
        """argv under valgrind when TICKETD_VALGRIND is set."""
        if not VALGRIND:
            return argv
        d = os.path.join(self.dir, "valgrind")
        os.makedirs(d, exist_ok=True)
        return valgrind_argv(os.path.join(d, "%p.log")) + argv

    def check_valgrind(self, what):
        """Fail when valgrind reported anything (its logs not yet seen)."""
        d = os.path.join(self.dir, "valgrind")
        if not VALGRIND or not os.path.isdir(d):
            return
        seen = self.__dict__.setdefault("_vg_seen", set())
        for n in sorted(os.listdir(d)):
            path = os.path.join(d, n)
            if n in seen or os.path.getsize(path) == 0:
                continue
            seen.add(n)
            with open(path, errors="replace") as f:
                text = f.read()
            raise AssertionError("%s: valgrind report (%s):\n%s"
                                 % (what, path, text[:8000]))

    # -- running --------------------------------------------------------

    def run(self, prog, args, input=None, timeout=None, check=None, conf=True):
        """Run ticketd/ticketctl; check = expected exit code (None: any)."""
        argv = [self.binary(prog)] + (["-c", self.path] if conf else []) + list(args)
        t0 = time.monotonic()
        try:
            r = subprocess.run(self.wrap(argv), input=input,
                               capture_output=True,
                               timeout=(timeout or self.timeout) * SLOW,
                               env=sanitizer_env(), cwd=self.dir)
        except subprocess.TimeoutExpired as e:
            raise AssertionError("%s timed out after %ss; stderr:\n%s" % (
                " ".join(argv), e.timeout,
                (e.stderr or b"").decode("utf-8", "replace")[-4000:]))
        res = Result(argv, r.returncode, r.stdout, r.stderr)
        self.runs.append(res)
        log("$", " ".join(argv), "->", r.returncode,
            "(%.2fs)" % (time.monotonic() - t0))
        for line in res.stderr.splitlines()[-60:]:
            log("   ", line)
        check_sanitizer(res.err, " ".join(argv))
        self.check_valgrind(" ".join(argv))
        if check is not None and r.returncode != check:
            raise AssertionError("%s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                                 % (" ".join(argv), r.returncode, check,
                                    res.stdout[-3000:], res.stderr[-6000:]))
        return res

    def ctl(self, *args, check=0, **kw):
        return self.run("ticketctl", args, check=check, **kw)

    def init(self):
        return self.ctl("init")

    def once(self, *extra, check=0, **kw):
        return self.run("ticketd", ["-v", "--once"] + list(extra), check=check, **kw)

    def stdin(self, raw, *extra, check=None, **kw):
        return self.run("ticketd", ["-v", "--stdin"] + list(extra), input=raw,
                        check=check, **kw)

    def start(self, *extra):
        """ticketd in the foreground as a background process."""
        assert self.daemon is None
        argv = [self.binary("ticketd"), "-c", self.path, "-v"] + list(extra)
        self.daemon_err = os.path.join(self.dir, "ticketd.stderr")
        errf = open(self.daemon_err, "ab")
        self.daemon = subprocess.Popen(self.wrap(argv),
                                       stdin=subprocess.DEVNULL,
                                       stdout=errf, stderr=errf,
                                       env=sanitizer_env(), cwd=self.dir,
                                       start_new_session=True)
        errf.close()
        record_pgid(self.dir, self.daemon.pid)
        log("$", " ".join(argv), "& pid", self.daemon.pid)
        return self.daemon

    def daemon_log(self):
        if not self.daemon_err:
            return ""
        with open(self.daemon_err, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20, expect=0):
        """Signal the daemon and wait; returns its exit code."""
        if self.daemon is None:
            return None
        p = self.daemon
        self.daemon = None
        if p.poll() is None:
            p.send_signal(sig)
        try:
            rc = p.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            kill_group(p.pid)
            p.wait()
            raise AssertionError("ticketd did not exit within %ss of %s:\n%s"
                                 % (timeout, sig, self.daemon_log()[-4000:]))
        text = self.daemon_log()
        log("ticketd pid", p.pid, "exited", rc)
        for line in text.splitlines()[-80:]:
            log("   ", line)
        self.runs.append(Result(p.args, rc, b"", text.encode()))
        check_sanitizer(text, "ticketd daemon")
        self.check_valgrind("ticketd daemon")
        if expect is not None and rc != expect:
            raise AssertionError("ticketd daemon exited %s, expected %s:\n%s"
                                 % (rc, expect, text[-4000:]))
        return rc

    def all_output(self):
        out = b"".join(r.out + r.err for r in self.runs)
        if self.daemon is not None:
            out += self.daemon_log().encode()
        return out

    # -- database -------------------------------------------------------

    def query(self, sql, args=()):
        """Rows as dicts, through a read-only connection."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(sql, args)]
        finally:
            con.close()

    def sql(self, sql, args=()):
        """Change the database behind ticketd's back (test set-up)."""
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute(sql, args)
            con.commit()
        finally:
            con.close()

    def scalar(self, sql, args=()):
        rows = self.query(sql, args)
        return list(rows[0].values())[0] if rows else None

    def tickets(self):
        return self.query("SELECT t.*, p.email AS requester FROM tickets t "
                          "JOIN people p ON p.id = t.requester_id ORDER BY number")

    def ticket_count(self):
        try:
            return self.scalar("SELECT count(*) FROM tickets")
        except sqlite3.Error:
            return 0

    def outbox(self):
        """The outbox, each message as it is sent (unpack_notice)."""
        rows = self.query("SELECT * FROM outbox ORDER BY id")
        for r in rows:
            r["stored"] = r["message"]
            r["message"] = unpack_notice(r["message"], r["form"],
                                         self.blob)
        return rows

    def blob(self, blob_id):
        return self.scalar("SELECT data FROM blobs WHERE id = ?", (blob_id,))

    def mails(self):
        rows = self.query("SELECT id, message_id, source, uidvalidity, uid, "
                          "from_addr, subject, size, raw, disposition, "
                          "ticket_number, note, raw_form FROM mails "
                          "ORDER BY id")
        for r in rows:
            r["raw"] = unpack_notice(r["raw"], r["raw_form"], self.blob)
        return rows


def unpack_notice(stored, form, blob):
    """A notice or mail as outbox.form or mails.raw_form keeps it
    (schema.sql, src/notice.h), back to its bytes, written here from the
    format's description: + 1 zlib (+ 4 with the dictionary
    src/zdict-notice.txt, lines ending CR LF), + 2 each attachment's
    base64 as NUL
    B<blob id>:<length>[:<width>:<lf>:<eol>] NUL (a notice's: 76
    columns, CRLF, no line end after the last line)."""
    if form & 4:        # + 4: with the notice dictionary
        with open(os.path.join(REPO, "src", "zdict-notice.txt"), "rb") as f:
            zdict = f.read().replace(b"\n", b"\r\n")
        d = zlib.decompressobj(zdict=zdict)
        msg = d.decompress(stored) + d.flush()
    else:
        msg = zlib.decompress(stored) if form & 1 else stored
    if not form & 2:
        return msg

    def b64(m):
        data = blob(int(m.group(1)))
        assert data is not None and len(data) == int(m.group(2)), m.group(0)
        width = int(m.group(3) or 76)
        nl = b"\n" if m.group(4) == b"1" else b"\r\n"
        enc = base64.b64encode(data)
        out = nl.join(enc[i:i + width] for i in range(0, len(enc), width))
        return out + (nl if m.group(5) == b"1" else b"")
    return re.sub(rb"\0B(\d+):(\d+)(?::(\d+):([01]):([01]))?\0", b64, msg)


# ---------------------------------------------------------------------------
# The status page's keys (src/weblink.h), computed here independently

def web_key(secret_path, msg):
    """base64url of the first 128 bits of HMAC-SHA-256(secret, msg)."""
    import hmac
    with open(secret_path) as f:
        key = bytes.fromhex(f.read().strip())
    mac = hmac.new(key, msg.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def web_ticket_key(secret_path, number):
    return web_key(secret_path, "ticket:%d" % number)


def web_desk_key(secret_path, expires):
    return "%d.%s" % (expires, web_key(secret_path, "desk:%d" % expires))


# ---------------------------------------------------------------------------
# unittest base class

def needs_shared(f):
    """Skip a test that reads ../shared (corpus, datasets) when it is absent."""
    return unittest.skipUnless(os.path.isdir(SHARED),
                               "%s is absent" % SHARED)(f)


class DeskTest(unittest.TestCase):
    """Makes a temp dir per test; self.dovecot(), self.sink(), self.desk()
    start things that are always torn down, even on failure."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ticketd-%s-" % self._testMethodName,
                                    dir=tmp_base())
        os.chmod(self.tmp, 0o755)
        log("temp dir", self.tmp)
        self.addCleanup(self._cleanup_tmp)

    def _cleanup_tmp(self):
        ok = True
        outcome = getattr(self, "_outcome", None)
        if outcome is not None:
            # Python 3.11: result of the test so far
            res = getattr(outcome, "result", None)
            if res is not None and (res.failures or res.errors):
                ok = not any(t is self for t, _ in res.failures + res.errors)
            if getattr(outcome, "success", True) is False:
                ok = False
        if ok and not os.environ.get("TICKETD_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log("kept", self.tmp)

    def start_dovecot(self, **kw):
        d = Dovecot(self.tmp, **kw)
        self.addCleanup(self._stop_dovecot, d)
        return d.start()

    def _stop_dovecot(self, d):
        if d.running():
            tail = d.log_tail(15)
            if tail:
                log("dovecot log tail:\n" + tail)
        d.close()

    def start_sink(self, start=True, **kw):
        s = SmtpSink(self.tmp, **kw)
        self.addCleanup(s.stop)
        return s.start() if start else s

    def make_desk(self, dovecot=None, sink=None, conf=None, init=True):
        d = Desk(self.tmp, dovecot, sink, conf)
        self.addCleanup(self._stop_desk, d)
        if init:
            d.init()
        return d

    def _stop_desk(self, desk):
        if desk.daemon is not None:
            desk.stop(expect=None)

    def ca(self):
        return make_ca(os.path.join(self.tmp, "ca"))

    # -- assertions -----------------------------------------------------

    def assertNoSecret(self, desk, *secrets):
        out = desk.all_output()
        for s in secrets:
            self.assertNotIn(s.encode(), out, "a password appears in the output")


# ---------------------------------------------------------------------------
# demo

DEMO_MAILS = [
    ("printer", "alice@corp.example", "Alice Example",
     "[high] [hardware/printer] Printer on the 3rd floor jams on every page",
     "Hi,\n\nthe printer next to the kitchen on the 3rd floor jams on every\n"
     "page since this morning. The display says \"Paper jam tray 2\".\n\nAlice\n"),
    ("vpn", "bruno@corp.example", "Bruno Müller",
     "VPN-Zugang von zu Hause — Fehler 809 ✓",
     "Hallo,\n\nseit dem Update komme ich von zu Hause nicht mehr ins VPN:\n"
     "Fehler 809. Im Büro geht alles.\n\nGrüße, Bruno\n"),
    ("laptop", "chen@corp.example", "Chen Wei",
     "[hardware/laptop] [@bob] New laptop for the intern starting Monday",
     "Hello IT,\n\nour intern starts on Monday and needs a laptop with the\n"
     "standard developer image.\n\nThanks, Chen\n"),
]


# The demo desk's configuration, and who the sample mails go to (the
# banner tells the newcomer to resolve one with a mail from its admin).
DEMO_CONF = {
    "helpdesk": {"root_admins": "root@corp.example",
                 "admins": "bob@corp.example, carol@corp.example"},
    "categories": {"hardware": "laptop, printer, monitor",
                   "network": "vpn, wifi"}}
DEMO_ASSIGNED = {1: "bob@corp.example", 2: "carol@corp.example",
                 3: "bob@corp.example"}
DEMO_RESOLVE = (2, "VPN")       # the ticket the banner resolves, a subject


def demo_mails():
    """(tag, raw) of each sample mail, in the order they go in."""
    out = []
    for tag, addr, name, subj, body in DEMO_MAILS:
        raw = make_mail(subject=rfc2047(subj) if not subj.isascii() else subj,
                        sender=addr, name=name if name.isascii() else rfc2047(name),
                        body=body)
        out.append((tag, raw))
    return out


def demo_assigned_line():
    """"Tickets #1 and #3 go to bob@…, #2 to carol@…." from DEMO_ASSIGNED."""
    by = {}
    for n, a in sorted(DEMO_ASSIGNED.items()):
        by.setdefault(a, []).append("#%d" % n)
    parts = ["%s to %s" % (" and ".join(ns), a) for a, ns in by.items()]
    parts[0] = parts[0].replace(" to ", " go to ", 1)
    return "Tickets " + ", ".join(parts) + "."


def demo():
    global QUIET
    QUIET = True
    bdir = bin_dir()
    here = os.getcwd()
    rel = lambda p: ("./" + os.path.relpath(p, here)
                     if p.startswith(here + "/") else p)
    for prog in ("ticketd", "ticketctl"):
        if not os.access(os.path.join(bdir, prog), os.X_OK):
            sys.exit("demo: %s/%s is not built (run make)" % (bdir, prog))
    d = tempfile.mkdtemp(prefix="ticketd-demo-", dir=tmp_base())
    os.chmod(d, 0o755)
    dove = Dovecot(d)
    sink = SmtpSink(d)
    desk = None
    try:
        dove.start()
        sink.start()
        conf = dict(DEMO_CONF, imap={"poll_interval": "5"})
        desk = Desk(d, dove, sink, conf=conf)
        r = desk.run("ticketctl", ["init"])
        if r.rc != 0:
            sys.exit("demo: ticketctl init failed:\n" + r.stderr)
        mdir = os.path.join(d, "mails")
        os.makedirs(mdir)
        for tag, raw in demo_mails():
            with open(os.path.join(mdir, tag + ".eml"), "wb") as f:
                f.write(raw)
            dove.append(raw)
        extra = make_mail(subject="Monitor flickers", sender="dana@corp.example",
                          name="Dana", body="My second monitor flickers.\n",
                          msgid="demo-extra-1@client.corp.example")
        with open(os.path.join(mdir, "another.eml"), "wb") as f:
            f.write(extra)
        tk, tc = os.path.join(bdir, "ticketd"), os.path.join(bdir, "ticketctl")
        web = "http://%s:%d" % (LOOPBACK, desk.web_port)
        secret = os.path.join(d, "web.secret")
        deskkey = web_desk_key(secret, int(time.time()) + 7 * 86400)
        print(textwrap.dedent("""\
            ==========================================================================
             ticketd demo — everything lives in {d}
            ==========================================================================
             IMAP (Dovecot):  imap://127.0.0.1:{ip}  user "{u}", log {dl}
             SMTP sink:       smtp://127.0.0.1:{sp}  notices land in {sd}/NNNN.eml
             config:          {c}
             3 sample mails were put in the INBOX (copies in {md}/).

             Status page:     {web}/   (the figures are open to all)
             Admin link:      {web}/?k={dk}
                              (tickets, search; valid 7 days)
             Ticket #1:       {web}/t/1?k={t1}

             Drop in another mail, straight to the daemon (MTA pipe mode):
               {tk} -c {c} --stdin < {md}/another.eml
             or into the mailbox, where the daemon picks it up at once (IDLE):
               doveadm -c {dc} save -u {u} < {md}/another.eml
             (one Message-ID makes one ticket: edit it in a copy for more)

             Read the tickets:
               {tc} -c {c} ticket list
               {tc} -c {c} ticket show 1
               sqlite3 {db} 'SELECT number, status, subject FROM tickets'

             Read the notices sent:
               ls {sd}/ ; cat {sd}/0001.eml

             Admins: bob@ and carol@corp.example, root admin root@corp.example;
             categories hardware/laptop|printer|monitor, network/vpn|wifi.
             {assigned}
             To resolve #{rn}, mail the desk From {ra}
             with "Subject: Re: [IT #{rn}] {rs}" and "/resolve fixed" as the
             first line of the body (a transcript comes back).

             Ctrl-C stops the daemon and both servers; {d} is kept.
            ==========================================================================
            """).format(d=d, ip=dove.port, u=IMAP_USER, dl=dove.log_path,
                        sp=sink.port, sd=sink.dir, c=desk.path, md=mdir,
                        tk=rel(tk), tc=rel(tc), dc=dove.conf, db=desk.db,
                        web=web, dk=deskkey,
                        t1=web_ticket_key(secret, 1),
                        assigned=demo_assigned_line(), rn=DEMO_RESOLVE[0],
                        ra=DEMO_ASSIGNED[DEMO_RESOLVE[0]],
                        rs=DEMO_RESOLVE[1]),
              flush=True)
        # the daemon stays in our process group: the terminal's Ctrl-C
        # reaches it directly and it shuts down cleanly; we ignore it and
        # clean up once the daemon is gone
        def dfl():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        p = subprocess.Popen([tk, "-c", desk.path, "-v"], cwd=d,
                             env=sanitizer_env(), preexec_fn=dfl)
        # a TERM to us is passed on to the daemon
        signal.signal(signal.SIGTERM, lambda *_: p.send_signal(signal.SIGTERM))
        rc = p.wait()
        print("\nticketd exited %d." % rc, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sink.stop()
        dove.close()
        print("Servers stopped. Everything is kept in %s\n"
              "  tickets:  %s -c %s ticket list\n"
              "  notices:  %s/\n"
              "(remove it with: rm -rf %s)" % (
                  d, rel(os.path.join(bdir, "ticketctl")), os.path.join(d, "ticketd.conf"),
                  sink.dir, d), flush=True)


def selftest():
    """Start and stop the servers on their own: proves the harness."""
    d = tempfile.mkdtemp(prefix="ticketd-selftest-", dir=tmp_base())
    ca = make_ca(os.path.join(d, "ca"))
    dove = Dovecot(d, tls=ca)
    sink = SmtpSink(d)
    try:
        dove.start()
        raw = make_mail()
        dove.append(raw)
        dove.save(make_mail(subject="via doveadm"))
        dove.deliver_raw(b"")
        assert dove.count("INBOX") == 3, dove.count("INBOX")
        assert dove.fetch()[0][1] == raw
        dove.restart()
        assert dove.count("INBOX") == 3
        import ssl as _ssl
        ctx = _ssl.create_default_context(cafile=ca["ca"])
        c = imaplib.IMAP4_SSL("localhost", dove.imaps_port, ssl_context=ctx)
        c.login(IMAP_USER, IMAP_PASSWORD)
        c.logout()
        c = imaplib.IMAP4("localhost", dove.port)
        c.starttls(ssl_context=ctx)
        c.login(IMAP_USER, IMAP_PASSWORD)
        c.logout()
        sink.start()
        import smtplib
        with smtplib.SMTP(LOOPBACK, sink.port) as s:
            s.sendmail("a@corp.example", ["b@corp.example"], raw)
        assert sink.messages()[0][1] == raw, sink.messages()
        print("selftest ok (%s)" % d)
    finally:
        sink.stop()
        dove.close()
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "demo":
        demo()
    elif cmd == "selftest":
        selftest()
    else:
        sys.exit("usage: harness.py demo | selftest")


# ---------------------------------------------------------------------------
# BEGIN corpus-test helpers (tests/integration/test_corpus.py)
#
# tests/run passes integration tests only TICKETD_BIN, not the build
# directory that holds the test tools (BUILD/tools/*, made by `make unit`).
# TICKETD_BUILD names it; without it, it is derived from TICKETD_BIN:
# "." (the repo root, plain build) -> build, "build-san/bin" -> build-san.

def build_dir():
    """The build directory whose tools/ match the binaries in bin_dir()."""
    b = os.environ.get("TICKETD_BUILD")
    if b:
        return b if os.path.isabs(b) else os.path.join(REPO, b)
    d = os.path.normpath(bin_dir())
    if os.path.basename(d) == "bin":
        return os.path.dirname(d)
    if os.path.realpath(d) == os.path.realpath(REPO):
        return os.path.join(REPO, "build")
    return d


def tool_path(name):
    """BUILD/tools/NAME, or skip the test when it is not built."""
    p = os.path.join(build_dir(), "tools", name)
    if not os.access(p, os.X_OK):
        raise unittest.SkipTest("%s not built (make unit; TICKETD_BUILD "
                                "names the build directory)" % p)
    return p

# END corpus-test helpers
# ---------------------------------------------------------------------------
