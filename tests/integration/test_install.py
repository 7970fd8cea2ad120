"""Ready for a sysadmin (issue 14, points 1 to 3): `make install` into a
temporary DESTDIR and the installed programs at work (the example
configuration checked, a database made, a mail taken in by the Postfix
pipe line, a local template directory used); `make uninstall` leaves
nothing; the systemd unit passes `systemd-analyze verify`; every man page
is mandoc -Tlint clean and says what the code does (every configuration
key, every ticketctl command, every mail command); the desk mails
ticketd-mail(7) back to a "help" mail, and to nobody it should not."""

import os
import re
import shlex
import shutil
import stat
import subprocess
import textwrap
import unittest

from harness import (REPO, DeskTest, bin_dir, check_sanitizer, make_mail,
                     parse_mail, sanitizer_env, unpack_notice)

MAN = os.path.join(REPO, "man")
PAGES = ["ticketd.8", "ticketctl.8", "ticketd.conf.5", "ticketd-mail.7"]


def make_env():
    """The environment for a make run inside a test: not the jobserver of a
    `make check` that may be running us."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def sanitized_build():
    return os.path.normpath(bin_dir()).endswith(os.path.join("build-san",
                                                             "bin"))


def run_make(*targets, **vars):
    argv = ["make", "-s", "-C", REPO] + list(targets) + \
        ["%s=%s" % kv for kv in vars.items()]
    if sanitized_build():
        argv.append("SANITIZE=1")
    r = subprocess.run(argv, capture_output=True, env=make_env(), timeout=600)
    if r.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(argv),
                                         r.stderr.decode()[-3000:]))
    return r


def config_keys():
    """{section: [keys]} of the table in src/config.c."""
    with open(os.path.join(REPO, "src", "config.c")) as f:
        src = f.read()
    table = src[src.index("config_table[] = {"):]
    table = table[:table.index("};")]
    keys = {}
    for sec, key in re.findall(r'\{\s*SEC_([A-Z]+),\s*"([a-z_]+)"', table):
        keys.setdefault(sec.lower(), []).append(key)
    return keys


def man_sections(page):
    """{"imap": text, ...} of ticketd.conf(5)'s THE [x] SECTION parts."""
    with open(os.path.join(MAN, page)) as f:
        text = f.read()
    parts = re.split(r"^\.Sh ", text, flags=re.M)
    out = {}
    for p in parts:
        m = re.match(r"THE \[(\w+)\] SECTION", p)
        if m:
            out[m.group(1)] = p
    return out


class Install(unittest.TestCase):
    """make install DESTDIR=…, the installed programs, make uninstall."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="ticketd-install-",
                                    dir=os.environ.get("TICKETD_TEST_TMP"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.dest = os.path.join(self.tmp, "dest")
        self.prefix = "/opt/ticketd"

    def p(self, rel):
        return os.path.join(self.dest, self.prefix.lstrip("/"), rel)

    def run_installed(self, prog, args, input=None, expect=0):
        argv = [self.p("bin/" + prog)] + list(args)
        r = subprocess.run(argv, input=input, capture_output=True,
                           env=sanitizer_env(), cwd=self.tmp, timeout=60)
        check_sanitizer(r.stderr, " ".join(argv))
        if expect is not None:
            self.assertEqual(r.returncode, expect, "%s\n%s\n%s" % (
                argv, r.stdout.decode(), r.stderr.decode()))
        return r

    def test_install_run_uninstall(self):
        run_make("install", DESTDIR=self.dest, PREFIX=self.prefix)
        want = {
            "bin/ticketd": 0o755, "bin/ticketctl": 0o755,
            "share/man/man8/ticketd.8": 0o644,
            "share/man/man8/ticketctl.8": 0o644,
            "share/man/man5/ticketd.conf.5": 0o644,
            "share/man/man7/ticketd-mail.7": 0o644,
            "share/ticketd/schema.sql": 0o644,
            "share/ticketd/ticketd.conf.example": 0o644,
            "share/ticketd/examples/ticketd.service": 0o644,
            "share/ticketd/examples/postfix-master.cf": 0o644,
            "share/ticketd/examples/postfix-transport": 0o644,
            "share/ticketd/examples/ticketd.sieve": 0o644,
        }
        for t in os.listdir(os.path.join(REPO, "templates")):
            if t.endswith(".md"):
                want["share/ticketd/templates/" + t] = 0o644
        self.assertIn("share/ticketd/templates/help.md", want)
        for rel, mode in want.items():
            st = os.stat(self.p(rel))
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, rel)
        # nothing else, nowhere else
        found = set()
        for root, _, files in os.walk(self.dest):
            for f in files:
                found.add(os.path.relpath(os.path.join(root, f),
                                          self.p("")))
        self.assertEqual(found, set(want))
        # the examples name the installed programs
        with open(self.p("share/ticketd/examples/ticketd.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/opt/ticketd/bin/ticketd -c ", unit)
        with open(self.p("share/ticketd/examples/postfix-master.cf")) as f:
            master = f.read()
        self.assertIn("argv=/opt/ticketd/bin/ticketd -s", master)

        # the installed programs at work
        r = self.run_installed("ticketd", ["-V"])
        self.assertTrue(r.stdout.startswith(b"ticketd "))
        conf = self.adapt_example()
        r = self.run_installed("ticketd", ["-n", "-c", conf])
        self.assertIn(b"configuration OK", r.stdout)
        r = self.run_installed("ticketctl", ["-c", conf, "init"])
        self.assertIn(b"created ", r.stdout)
        # a mail through the Postfix transport's command line
        argv = self.master_cf_argv(master, conf)
        raw = make_mail(subject="Installed and working")
        r = subprocess.run(argv, input=raw, capture_output=True,
                           env=sanitizer_env(), cwd=self.tmp, timeout=60)
        check_sanitizer(r.stderr, " ".join(argv))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = self.run_installed("ticketctl", ["-c", conf, "ticket", "list"])
        self.assertRegex(r.stdout, rb"^#1\t(open|assigned)\tlow\t.*"
                         rb"\tInstalled and working\n$")
        # the local template directory (a copy of the installed ones, one
        # edited) is what the acknowledgement was written from
        r = self.run_installed("ticketctl", ["-c", conf, "outbox"])
        self.assertIn(b"\tack\t", r.stdout)
        import sqlite3
        con = sqlite3.connect(os.path.join(self.tmp, "var", "desk.db"))
        msg, form = con.execute("SELECT message, form FROM outbox WHERE "
                                "kind = 'ack'").fetchone()
        con.close()
        msg = unpack_notice(msg, form, None)    # src/zpack.h
        self.assertIn(b"LOCAL EDIT of the installed ack.md", msg)

        self.verify_unit(unit)

        run_make("uninstall", DESTDIR=self.dest, PREFIX=self.prefix)
        left = [os.path.join(root, f) for root, _, files in
                os.walk(self.dest) for f in files]
        self.assertEqual(left, [])
        self.assertFalse(os.path.exists(self.p("share/ticketd")))

    def adapt_example(self):
        """The installed example, as a sysadmin would fill it in, for a
        desk in this temp dir (servers that are not contacted)."""
        var = os.path.join(self.tmp, "var")
        os.mkdir(var, 0o700)
        local = os.path.join(self.tmp, "etc-templates")
        shutil.copytree(self.p("share/ticketd/templates"), local)
        with open(os.path.join(local, "ack.md"), "a") as f:
            f.write("\nLOCAL EDIT of the installed ack.md\n")
        for name in ("imap.password", "smtp.password"):
            with open(os.path.join(self.tmp, name), "w") as f:
                f.write("secret\n")
            os.chmod(os.path.join(self.tmp, name), 0o600)
        with open(self.p("share/ticketd/ticketd.conf.example")) as f:
            text = f.read()
        # the example's comment points to the installed templates
        self.assertIn("/opt/ticketd/share/ticketd/templates", text)
        repl = {
            "password_file = /etc/ticketd/imap.password":
                "password_file = " + os.path.join(self.tmp, "imap.password"),
            "password_file = /etc/ticketd/smtp.password":
                "password_file = " + os.path.join(self.tmp, "smtp.password"),
            "database = /var/lib/ticketd/desk.db":
                "database = " + os.path.join(var, "desk.db"),
            ";templates = /etc/ticketd/templates": "templates = " + local,
            # no SMTP server here: the notices wait in the outbox
            "url = smtp://mail.corp.example:587":
                "url = smtp://127.0.0.1:9",
            ";listen = 127.0.0.1:8025": "listen =",
        }
        for a, b in repl.items():
            self.assertIn(a, text)
            text = text.replace(a, b)
        path = os.path.join(self.tmp, "ticketd.conf")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def master_cf_argv(self, master, conf):
        """argv= of the installed master.cf entry, its -c made ours."""
        lines = [l for l in master.splitlines() if not l.startswith("#")]
        entry = " ".join(l.strip() for l in lines)
        self.assertRegex(entry, r"^ticketd\s+unix\s+-\s+n\s+n\s+-\s+-\s+pipe")
        flags = re.search(r"flags=(\S+)", entry).group(1)
        self.assertNotIn("F", flags)    # no "From " line before the mail
        argv = shlex.split(entry.split("argv=", 1)[1])
        argv[argv.index("-c") + 1] = conf
        argv.remove("-s")               # to stderr, for this test
        self.assertEqual(argv[0], "/opt/ticketd/bin/ticketd")
        argv[0] = self.p("bin/ticketd")
        return argv

    def verify_unit(self, unit):
        if not shutil.which("systemd-analyze"):
            print("# systemd-analyze is not installed: the unit is not "
                  "verified")
            return
        # systemd-analyze checks that the programs exist and that the man
        # pages of Documentation= open: point it at the installed ones
        path = os.path.join(self.tmp, "ticketd.service")
        with open(path, "w") as f:
            f.write(unit.replace("/opt/ticketd/bin/",
                                 self.p("bin") + "/"))
        env = dict(os.environ, MANPATH=self.p("share/man"))
        r = subprocess.run(["systemd-analyze", "verify", path],
                           capture_output=True, env=env, timeout=120)
        out = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, 0, out)
        # it returns 0 on settings it ignores; those must not be there
        self.assertEqual(out.strip(), "", out)
        for want in ("ProtectSystem=strict", "PrivateTmp=yes",
                     "NoNewPrivileges=yes", "User=ticketd", "UMask=0077",
                     "ReadWritePaths=/var/lib/ticketd", "Type=simple",
                     "ExecStartPre="):
            self.assertIn(want + ("" if want.endswith("=") else "\n"),
                          unit + "\n")


class Docs(unittest.TestCase):
    """The man pages say what the code does."""

    def test_mandoc_lint(self):
        if not shutil.which("mandoc"):
            self.skipTest("mandoc is not installed")
        pages = sorted(f for f in os.listdir(MAN) if re.search(r"\.\d$", f))
        self.assertEqual(pages, sorted(PAGES))
        for p in pages:
            r = subprocess.run(["mandoc", "-Tlint", "-W", "warning",
                                os.path.join(MAN, p)], capture_output=True)
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, b""),
                             p)
        # each page points to the other three
        for p in PAGES:
            with open(os.path.join(MAN, p)) as f:
                text = f.read()
            see = text[text.index("\n.Sh SEE ALSO"):]
            see = see[:see.index("\n.Sh ", 1)]
            for q in PAGES:
                if q != p:
                    name, sec = q.rsplit(".", 1)
                    self.assertIn(".Xr %s %s" % (name, sec), see,
                                  "%s: SEE ALSO lacks %s" % (p, q))
        # and contrib/lint.sh checks every page the same way
        with open(os.path.join(REPO, "contrib", "lint.sh")) as f:
            self.assertIn("for m in man/*.[0-9]", f.read())

    def test_every_config_key_documented(self):
        keys = config_keys()
        self.assertIn("token_command", keys["imap"])
        man = man_sections("ticketd.conf.5")
        with open(os.path.join(REPO, "contrib", "ticketd.conf.example")) as f:
            example = f.read()
        ex = {}
        for part in re.split(r"^\[", example, flags=re.M)[1:]:
            name, body = part.split("]", 1)
            ex[name] = body
        for sec, names in keys.items():
            for k in names:
                self.assertTrue(re.search(r"\n\.It Ic %s No = " % k,
                                          man[sec]),
                                "not in ticketd.conf(5): [%s] %s" % (sec, k))
                self.assertTrue(re.search(r"\n;?%s = " % k, ex[sec]),
                                "not in contrib/ticketd.conf.example: "
                                "[%s] %s" % (sec, k))

    def test_every_ticketctl_command_documented(self):
        r = subprocess.run([os.path.join(bin_dir(), "ticketctl"), "-h"],
                           capture_output=True, env=sanitizer_env())
        usage = r.stdout.decode()
        with open(os.path.join(MAN, "ticketctl.8")) as f:
            page = f.read()
        cmds = set()
        for m in re.finditer(r"ticketctl -c FILE (\w+)(?: ([\w|]+))?",
                             usage):
            word = m.group(1)
            if word in ("ticket", "user", "kb"):
                for sub in m.group(2).split("|"):
                    cmds.add(word + " " + sub)
            else:
                cmds.add(word)
        for c in ("check", "backup", "restore", "import", "init",
                  "kb withdraw"):
            self.assertIn(c, cmds)
        synopsis = page[:page.index("\n.Sh DESCRIPTION")]
        for c in sorted(cmds):
            self.assertTrue(re.search(r"\n\.It Cm %s\b" % re.escape(c),
                                      page),
                            "not in ticketctl(8) COMMANDS: %s" % c)
            self.assertTrue(re.search(r"\n\.Cm %s\b" % re.escape(c),
                                      synopsis) or
                            re.search(r"\n\.Cm %s\b" % re.escape(
                                c.split()[0]), synopsis),
                            "not in ticketctl(8) SYNOPSIS: %s" % c)

    def test_every_mail_command_documented(self):
        with open(os.path.join(REPO, "src", "command.c")) as f:
            src = f.read()
        with open(os.path.join(MAN, "ticketd-mail.7")) as f:
            page = f.read()

        def names(table):
            body = src[src.index(table):]
            body = body[:body.index("};")]
            return re.findall(r'\{\s*"([a-z]+)",\s*CMD_', body)

        admin = names("admin_specs[]")
        requester = names("requester_specs[]")
        control = names("control_specs[]")
        self.assertIn("help", control)
        self.assertIn("solved", requester)
        # "/kb" takes a word: each of them is a command of its own
        body = src[src.index("case A_KB:"):]
        kb = re.findall(r'strncasecmp\(w, "([a-z]+)"',
                        body[:body.index("return;\n\tcase")])
        self.assertEqual(kb, ["edit", "withdraw"])
        admin = [n for n in admin if n != "kb"] + ["kb " + w for w in kb]
        for n in admin + requester:
            self.assertTrue(re.search(r"\n\.It Li /%s\b" % n, page),
                            "not in ticketd-mail(7): /" + n)
        # every role the role command takes, and no other
        body = src[src.index("roles[] = {"):]
        roles = re.findall(r'"([a-z]+)"', body[:body.index("};")])
        m = re.search(r"\n\.It Li role Ar address Cm (.*)\n", page)
        self.assertEqual(m and m.group(1).split(" | "), roles)
        for n in control:
            self.assertTrue(re.search(r"\n\.It Li %s\b" % n, page),
                            "not in ticketd-mail(7): " + n)
        for tag in ("Priority:", "Category:", "Admin:"):
            self.assertIn(tag, page)

    def test_help_mail_is_the_page(self):
        if not shutil.which("mandoc") or not shutil.which("col"):
            self.skipTest("mandoc or col is not installed")
        r = subprocess.run([os.path.join(REPO, "contrib", "help-from-man.sh"),
                            os.path.join(MAN, "ticketd-mail.7")],
                           capture_output=True, check=True)
        with open(os.path.join(REPO, "templates", "help.md"), "rb") as f:
            self.assertEqual(f.read(), r.stdout,
                             "templates/help.md is not ticketd-mail(7): run "
                             "make help-template")

    def literal_blocks(self, page):
        with open(os.path.join(MAN, page)) as f:
            text = f.read()
        return re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed$", text,
                          flags=re.M | re.S)

    def test_unit_in_the_man_page_is_contrib(self):
        with open(os.path.join(REPO, "contrib", "ticketd.service")) as f:
            unit = [l for l in f.read().splitlines()
                    if l and not l.startswith("#")]
        blocks = [b for b in self.literal_blocks("ticketd.8")
                  if "[Service]" in b]
        self.assertEqual(len(blocks), 1)
        shown = [l for l in blocks[0].splitlines()
                 if l and not l.startswith("#")]
        self.assertEqual(shown, unit)

    def test_postfix_lines_in_the_man_page_are_contrib(self):
        def entries(text):
            return [" ".join(l.split()) for l in text.splitlines()
                    if l.strip() and not l.startswith("#")]
        with open(os.path.join(REPO, "contrib", "postfix-master.cf")) as f:
            master = entries(f.read())
        with open(os.path.join(REPO, "contrib", "postfix-transport")) as f:
            transport = entries(f.read())
        blocks = [entries(b) for b in self.literal_blocks("ticketd.8")]
        self.assertTrue(any(b[:len(master)] == master for b in blocks),
                        master)
        self.assertTrue(any(set(transport) <= set(b) for b in blocks),
                        transport)

    def test_no_logrotate(self):
        with open(os.path.join(MAN, "ticketd.8")) as f:
            self.assertTrue("logrotate" in f.read(),
                            "ticketd(8) says nothing on logrotate")


class Sieve(DeskTest):
    """contrib/ticketd.sieve, run by Pigeonhole's sieve-test with its
    actions executed: the mail goes to the pipe program and is not kept;
    when the program fails (ticketd's 75), it is kept in INBOX."""

    def setUp(self):
        super().setUp()
        if not shutil.which("sieve-test"):
            self.skipTest("sieve-test is not installed (Debian: "
                          "dovecot-sieve): contrib/ticketd.sieve is not run")
        from harness import chown_mail, mail_users
        u, g = mail_users()
        d = self.tmp
        self.bin = os.path.join(d, "sieve-bin")
        self.out = os.path.join(d, "piped")
        self.maildir = os.path.join(d, "Maildir")
        for p in (self.bin, self.out, self.maildir):
            os.mkdir(p)
            os.chmod(p, 0o755)
        os.chmod(self.out, 0o777)
        chown_mail(self.maildir)
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(textwrap.dedent("""\
                base_dir = {d}/run
                state_dir = {d}/state
                log_path = {d}/sieve.log
                protocols =
                mail_uid = {u}
                mail_gid = {g}
                first_valid_uid = 1
                mail_location = maildir:{m}
                plugin {{
                  sieve_plugins = sieve_extprograms
                  sieve_global_extensions = +vnd.dovecot.pipe
                  sieve_pipe_bin_dir = {b}
                }}
                """).format(d=d, u=u, g=g, m=self.maildir, b=self.bin))
        self.script = os.path.join(d, "ticketd.sieve")
        shutil.copy(os.path.join(REPO, "contrib", "ticketd.sieve"),
                    self.script)
        self.mail = os.path.join(d, "mail.eml")
        with open(self.mail, "wb") as f:
            f.write(make_mail(subject="Through Sieve"))

    def program(self, status):
        path = os.path.join(self.bin, "ticketd-stdin")
        with open(path, "w") as f:
            f.write("#!/bin/sh\ncat > %s/mail.$$\nexit %d\n" % (self.out,
                                                               status))
        os.chmod(path, 0o755)

    def run_sieve(self):
        r = subprocess.run(["sieve-test", "-c", self.conf, "-e", "-t", "-",
                            self.script, self.mail], capture_output=True,
                           timeout=60)
        return (r.stdout + r.stderr).decode()

    def kept(self):
        return [f for sub in ("new", "cur") for f in
                os.listdir(os.path.join(self.maildir, sub))] \
            if os.path.isdir(os.path.join(self.maildir, "new")) else []

    def test_piped_or_kept(self):
        self.program(0)
        out = self.run_sieve()
        self.assertIn("final result: success", out)
        self.assertEqual(len(os.listdir(self.out)), 1, out)
        self.assertEqual(self.kept(), [])
        self.program(75)
        out = self.run_sieve()
        self.assertIn("resolved with successful implicit keep", out)
        self.assertEqual(len(self.kept()), 1, out)

    def test_into_ticketd(self):
        # the program of the script's comment, with the real ticketd: the
        # mail becomes a ticket and is not kept. Sieve runs it as the
        # mailbox's user, whose the desk's files are then.
        from harness import chown_mail
        desk = self.make_desk(None, self.start_sink())
        for root, dirs, files in os.walk(self.tmp):
            for n in dirs + files:
                chown_mail(os.path.join(root, n))
        chown_mail(self.tmp)
        path = os.path.join(self.bin, "ticketd-stdin")
        env = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in
                       sanitizer_env({}).items())
        with open(path, "w") as f:
            f.write("#!/bin/sh\nexec env %s %s -c %s --stdin\n" % (
                env, shlex.quote(os.path.join(bin_dir(), "ticketd")),
                shlex.quote(desk.path)))
        os.chmod(path, 0o755)
        with open(os.path.join(REPO, "contrib", "ticketd.sieve")) as f:
            self.assertIn("exec /usr/local/bin/ticketd -s -c "
                          "/etc/ticketd/ticketd.conf --stdin", f.read())
        out = self.run_sieve()
        self.assertIn("final result: success", out)
        self.assertEqual(self.kept(), [])
        self.assertEqual([t["subject"] for t in desk.tickets()],
                         ["Through Sieve"])


class HelpMail(DeskTest):
    """A mail whose subject is "help", or a control mail's "help": the
    manual comes back, to senders who may use the desk, and within the
    notice rate limit; not to strangers, lists or robots."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.desk = self.make_desk(None, self.sink, conf={
            "helpdesk": {"root_admins": "root@corp.example",
                         "max_notices_per_hour": "2"}})

    def helps(self):
        return [r for r in self.desk.outbox() if r["kind"] == "help"]

    def test_help_to_a_user(self):
        self.desk.stdin(make_mail(subject="  Help ", sender="erin@corp.example",
                                  name="Erin"), check=0)
        rows = self.helps()
        self.assertEqual([(r["rcpt_to"], r["status"]) for r in rows],
                         [("erin@corp.example", "sent")])
        m = parse_mail(self.sink.messages()[-1][1])
        self.assertEqual(m["Subject"], "Re: help")
        self.assertEqual(m["Auto-Submitted"], "auto-replied")
        text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("Hello Erin,", text)
        self.assertIn("Write to it@corp.example; the tag of its tickets "
                      "is [IT #N].", " ".join(text.split()))
        self.assertIn("SUBJECT TAGS", text)
        self.assertIn("COMMANDS FOR ADMINS", text)
        self.assertIn("     /resolve [note]", text)
        # no ticket, the mail kept
        self.assertEqual(self.desk.ticket_count(), 0)
        self.assertEqual(self.desk.scalar(
            "SELECT note FROM mails"), "help request: ticketd-mail(7) "
            "mailed back")
        # "help" in a longer subject is a request like any other
        self.desk.stdin(make_mail(subject="help with the printer"), check=0)
        self.assertEqual(self.desk.ticket_count(), 1)

    def test_rate_limited(self):
        for i in range(4):
            self.desk.stdin(make_mail(subject="help",
                                      sender="flood@corp.example"), check=0)
        st = [r["status"] for r in self.helps()]
        self.assertEqual(st, ["sent", "sent", "suppressed", "suppressed"])

    def test_nobody_it_should_not_answer(self):
        # a stranger: the usual access-denied notice, no manual
        self.desk.stdin(make_mail(subject="help",
                                  sender="mallory@elsewhere.example"),
                        check=0)
        # a mailing list, a robot
        self.desk.stdin(make_mail(subject="help", sender="dev@corp.example",
                                  headers=["List-Id: <dev.corp.example>",
                                           "Precedence: list"]), check=0)
        self.desk.stdin(make_mail(subject="help",
                                  sender="noreply@corp.example"), check=0)
        self.desk.stdin(make_mail(subject="help", sender="bot@corp.example",
                                  headers=["Auto-Submitted: auto-generated"]),
                        check=0)
        sent = [r for r in self.helps() if r["status"] == "sent"]
        self.assertEqual(sent, [])
        kinds = {(r["kind"], r["rcpt_to"]) for r in self.desk.outbox()
                 if r["status"] == "sent"}
        self.assertEqual(kinds, {("access-denied",
                                  "mallory@elsewhere.example")})
        self.assertEqual(self.desk.ticket_count(), 0)

    def test_control_help(self):
        # anyone who may use the desk, not only a root admin
        self.desk.stdin(make_mail(subject="control", sender="erin@corp.example",
                                  body="Hi,\nhelp\nthanks\n"), check=0)
        kinds = [(r["kind"], r["rcpt_to"]) for r in self.desk.outbox()]
        self.assertEqual(kinds, [("transcript", "erin@corp.example"),
                                 ("help", "erin@corp.example")])
        m = parse_mail(self.desk.outbox()[0]["message"])
        self.assertIn("help — ok", m.get_body(("plain",)).get_content())
        # with a command a user may not give: nothing applied, no manual
        self.desk.stdin(make_mail(subject="control", sender="erin@corp.example",
                                  body="help\nrole erin@corp.example root\n"),
                        check=0)
        self.assertEqual(len(self.helps()), 1)
        # a root admin's help beside other commands
        self.desk.stdin(make_mail(subject="control", sender="root@corp.example",
                                  body="report\nhelp\n"), check=0)
        self.assertEqual([r["rcpt_to"] for r in self.helps()],
                         ["erin@corp.example", "root@corp.example"])
