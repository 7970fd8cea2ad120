#!/usr/bin/python3
"""bench.py — make bench (issue 13; bench/README.md says what each figure
means). Starts a private Dovecot and SMTP sink on loopback with
tests/integration/harness.py and measures ticketd against them:

  backlog   10,000 mails bulk-loaded with doveadm import → tickets,
            comments, notices in the outbox, mails in Processed (mails/s),
            and the same mails fetched and moved by bench/fetchmove (the
            ceiling), then the outbox sent to the sink (notices/s)
  imap      200 mails appended one at a time to an idle daemon: APPEND
            done → acknowledgement at the sink (p50/p95/p99), and the bare
            IDLE wake-up of fetchmove
  stdin     200 mails through ticketd --stdin: start → commit, and start →
            acknowledgement at the sink (p50/p95/p99)
  web       wrk on the dashboard, a ticket page and a search over a
            100,000-ticket database (requests/s, p99)
  footprint peak RSS of each run, database bytes per mail

Prints a table and writes bench/results.json. Numbers are never asserted.
Usage: bench.py [--bin DIR] [--fetchmove PATH] [--mails N] [--samples N]
                [--web-tickets N] [--only backlog,imap,stdin,web]
                [--keep] [--out FILE]
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import mails  # noqa: E402

harness.QUIET = True
CEIL_USER = "ceil"
CEIL_PASSWORD = "ceil-Secret-19a"
ADMINS = ["admin%d@corp.example" % i for i in range(1, 9)]


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short",
                                 "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip()
    except OSError:
        commit = ""
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "mem_bytes": mem, "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": commit}


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


class Run:
    """A process whose stderr lines are timestamped as they arrive and
    whose peak RSS is read from wait4()."""

    def __init__(self, argv, stdin_bytes=None, cwd=None, env=None):
        self.lines = []          # (time.time(), text)
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin_bytes is not None
            else subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, cwd=cwd, env=env,
            start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if stdin_bytes is not None:
            try:
                self.proc.stdin.write(stdin_bytes)
            except BrokenPipeError:
                pass
            self.proc.stdin.close()
        self.rc = None
        self.ru = None
        self.maxrss = None
        self.t_end = None

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append((time.time(),
                               line.decode("utf-8", "replace").rstrip()))

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        hwm = 0
        while True:
            # The peak RSS is the process's VmHWM, read until it exits:
            # ru_maxrss from wait4() would be this Python's own (the kernel
            # carries the parent's high-water mark through fork and exec),
            # 145 MB once the backlog's 10,000 mails are held here.
            hwm = max(hwm, self.hwm() or 0)
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid != 0:
                break
            if end is not None and time.monotonic() > end:
                os.killpg(self.proc.pid, signal.SIGKILL)
                raise RuntimeError("%s: timed out" % self.proc.args[0])
            time.sleep(0.002)
        self.t_end = time.time()
        self.rc = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.rc
        self.maxrss = hwm or None
        self.ru = ru        # the child's own CPU time and page faults
        self.reader.join(10)
        return self.rc

    def hwm(self):
        """VmHWM of the running process, bytes."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def stop(self, timeout=30):
        if self.rc is None:
            hwm = self.hwm()
            os.kill(self.proc.pid, signal.SIGTERM)
            self.wait(timeout)
            self.maxrss = self.maxrss or hwm
        return self.rc

    def find(self, pattern, last=False):
        rx = re.compile(pattern)
        hits = [(t, l) for t, l in self.lines if rx.search(l)]
        if not hits:
            return None
        return hits[-1] if last else hits[0]

    def text(self):
        return "\n".join(l for _, l in self.lines)


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        os.environ["TICKETD_BIN"] = self.bin
        # the page's figures as in use (the test harness waits up to 10 s)
        os.environ["TICKETD_TEST_FIGURES_WAIT_MS"] = "50"
        self.tmp = tempfile.mkdtemp(prefix="ticketd-bench-",
                                    dir=harness.tmp_base())
        os.chmod(self.tmp, 0o755)
        self.res = {}
        self.dovecot = None
        self.sink = None
        self.desk = None
        self.daemon = None

    # -- set-up ----------------------------------------------------------

    def start(self):
        self.dovecot = harness.Dovecot(self.tmp, users={
            harness.IMAP_USER: harness.IMAP_PASSWORD,
            CEIL_USER: CEIL_PASSWORD}).start()
        # the backlog's notices go to a sink that appends each to one
        # file (smtpsink.py --spool): its file pair per notice cost more
        # than ticketd's sending; the latency phases use the file pairs
        self.sink = harness.SmtpSink(self.tmp, name="sink",
                                     spool=True).start()
        self.desk = harness.Desk(self.tmp, self.dovecot, self.sink, conf={
            "helpdesk": {"admins": ", ".join(ADMINS),
                         "root_admins": "root@corp.example"},
            "categories": {"hardware": "laptop, printer, monitor",
                           "network": "vpn, wifi",
                           "software": "mail, licence"}})
        self.desk.init()

    def new_sink(self, name):
        """A fresh sink directory on the same port (few files to scan)."""
        port = self.sink.port
        self.sink.stop()
        self.sink = harness.SmtpSink(self.tmp, port=port, name=name).start()

    def close(self):
        if self.daemon is not None:
            with _quiet():
                self.daemon.stop()
        for s in (self.sink, self.dovecot):
            if s is not None:
                with _quiet():
                    (s.close if hasattr(s, "close") else s.stop)()
        if self.args.keep:
            say("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def ticketd(self, *args, stdin_bytes=None):
        argv = [os.path.join(self.bin, "ticketd"), "-c", self.desk.path,
                "-v"] + list(args)
        return Run(argv, stdin_bytes=stdin_bytes, cwd=self.tmp)

    def import_maildir(self, path, user):
        """doveadm import: the whole Maildir at path into user's INBOX."""
        harness.chown_mail(path)
        for root, dirs, files in os.walk(path):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
                harness.chown_mail(os.path.join(root, d))
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        t = time.monotonic()
        r = subprocess.run(["doveadm", "-c", self.dovecot.conf, "import",
                            "-u", user, "maildir:%s:INDEX=MEMORY" % path,
                            "", "all"], capture_output=True, timeout=1800)
        if r.returncode != 0:
            raise RuntimeError("doveadm import: %s" % r.stderr.decode())
        return time.monotonic() - t

    def db_bytes(self):
        """The database's bytes after a checkpoint (the WAL folded in)."""
        con = sqlite3.connect(self.desk.db, timeout=30)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        n = os.path.getsize(self.desk.db)
        wal = self.desk.db + "-wal"
        if os.path.exists(wal):
            n += os.path.getsize(wal)
        return n

    # -- backlog ---------------------------------------------------------

    def backlog(self):
        n = self.args.mails
        say("backlog: generating %d mails" % n)
        raws = mails.Gen(seed=13).backlog(n)
        raw_bytes = sum(len(r) for r in raws)
        src = os.path.join(self.tmp, "backlog")
        mails.write_maildir(src, raws)
        del raws
        t_it = self.import_maildir(src, harness.IMAP_USER)
        t_ceil = self.import_maildir(src, CEIL_USER)
        shutil.rmtree(src, ignore_errors=True)
        say("backlog: doveadm import took %.1f s and %.1f s" % (t_it, t_ceil))
        assert self.dovecot.count("INBOX") == n, "import lost mails"
        db0 = self.db_bytes()

        # the ceiling: fetch and move only
        say("backlog: the ceiling (bench/fetchmove)")
        t = time.monotonic()
        r = subprocess.run([self.args.fetchmove, harness.LOOPBACK,
                            str(self.dovecot.port), CEIL_USER, CEIL_PASSWORD,
                            "backlog", "200"], capture_output=True, text=True,
                           timeout=1800)
        wall = time.monotonic() - t
        if r.returncode != 0:
            raise RuntimeError("fetchmove: %s" % r.stderr)
        m = re.search(r"mails (\d+) seconds ([0-9.]+)", r.stdout)
        ceil_n, ceil_s = int(m.group(1)), float(m.group(2))
        ceiling = ceil_n / ceil_s

        # ticketd --once: the backlog, then the outbox
        say("backlog: ticketd --once over %d mails" % n)
        load0 = loadavg()
        run = self.ticketd("--once")
        run.wait(timeout=3600)
        if run.rc != 0:
            raise RuntimeError("ticketd --once exited %s:\n%s"
                               % (run.rc, run.text()[-3000:]))
        last = run.find(r"batch of \d+", last=True)
        t_ingest = last[0] - run.t0
        rate = n / t_ingest
        sent = self.desk.scalar("SELECT count(*) FROM outbox "
                                "WHERE status = 'sent'")
        t_notices = run.t_end - last[0]
        left = self.dovecot.count("INBOX")
        processed = self.dovecot.count("Processed")
        tickets = self.desk.ticket_count()
        comments = self.desk.scalar("SELECT count(*) FROM comments")
        outbox = self.desk.scalar("SELECT count(*) FROM outbox")
        dbn = self.db_bytes()
        self.res.update({
            "backlog_mails": n,
            "backlog_raw_bytes": raw_bytes,
            "backlog_seconds": round(t_ingest, 3),
            "backlog_mails_per_s": round(rate, 1),
            "backlog_tickets": tickets,
            "backlog_comments": comments,
            "backlog_left_in_inbox": left,
            "backlog_in_processed": processed,
            "backlog_load_before": load0,
            "ceiling_mails_per_s": round(ceiling, 1),
            "ceiling_seconds": round(ceil_s, 3),
            "ceiling_wall_seconds": round(wall, 3),
            "ingest_share_of_ceiling": round(rate / ceiling, 3),
            "notices_sent": sent,
            "notices_outbox_rows": outbox,
            "notices_seconds": round(t_notices, 3),
            "notices_per_s": round(sent / t_notices, 1) if t_notices else None,
            "notices_at_sink": self.sink.count(),
            "rss_backlog_bytes": run.maxrss,
            # ticketd's own CPU over the whole --once run (ingest and the
            # notices sent), and its page faults: steadier than the wall
            # clock on a shared machine
            "backlog_cpu_user_s": round(run.ru.ru_utime, 2),
            "backlog_cpu_sys_s": round(run.ru.ru_stime, 2),
            "backlog_minor_faults": run.ru.ru_minflt,
            "db_bytes_empty": db0,
            "db_bytes_after_backlog": dbn,
            "db_bytes_per_mail": round((dbn - db0) / n),
            "raw_bytes_per_mail": round(raw_bytes / n),
            "db_bytes_per_mail_beyond_raw": round((dbn - db0 - raw_bytes) / n),
        })

    # -- IMAP end to end -------------------------------------------------

    def imap(self):
        k = self.args.samples
        self.new_sink("sink-imap")
        # the bare IDLE wake-up of the minimal loop, on the other account
        say("imap: bare IDLE wake-up of fetchmove, %d mails" % k)
        fm = subprocess.Popen([self.args.fetchmove, harness.LOOPBACK,
                               str(self.dovecot.port), CEIL_USER,
                               CEIL_PASSWORD, "idle", str(k)],
                              stdout=subprocess.PIPE, text=True)
        bare = []
        g = mails.Gen(seed=21, tag="i")
        try:
            assert fm.stdout.readline().startswith("ready")
            with self.dovecot.imap(CEIL_USER) as c:
                for i in range(k):
                    raw, _ = g.new(int(time.time()), k=5000 + i)
                    time.sleep(0.05)
                    typ, _ = c.append("INBOX", None, None, raw)
                    t = time.time()
                    line = fm.stdout.readline().split()
                    bare.append(float(line[1]) - t)
        finally:
            fm.wait(30)
        # ticketd idle in IDLE
        say("imap: ticketd end to end, %d mails" % k)
        self.daemon = self.ticketd()
        harness.wait_until(lambda: self.daemon.find(r"imap: IDLE$"), 60,
                           what="ticketd to IDLE")
        e2e = []
        g = mails.Gen(seed=22, tag="e")
        with self.dovecot.imap() as c:
            for i in range(k):
                raw, rec = g.new(int(time.time()), k=6000 + i)
                addr = rec[2]
                time.sleep(0.1)
                typ, _ = c.append("INBOX", None, None, raw)
                t = time.time()
                at = harness.wait_until(lambda: self._sink_time(addr), 30,
                                        interval=0.002,
                                        what="the acknowledgement")
                e2e.append(at - t)
        rss = self.daemon.hwm()
        self.res.update({
            "imap_samples": k,
            "imap_e2e_p50_ms": ms(pct(e2e, 50)),
            "imap_e2e_p95_ms": ms(pct(e2e, 95)),
            "imap_e2e_p99_ms": ms(pct(e2e, 99)),
            "imap_bare_idle_p50_ms": ms(pct(bare, 50)),
            "imap_bare_idle_p95_ms": ms(pct(bare, 95)),
            "imap_bare_idle_p99_ms": ms(pct(bare, 99)),
            "imap_overhead_p50_ms": ms(pct(e2e, 50) - pct(bare, 50)),
            "imap_overhead_p99_ms": ms(pct(e2e, 99) - pct(bare, 99)),
            "rss_daemon_bytes": rss,
        })
        self.daemon.stop()
        self.daemon = None

    def _sink_time(self, addr):
        """When the sink stored a notice to addr (its own clock), or None."""
        d = self.sink.dir
        for n in os.listdir(d):
            if not n.endswith(".json"):
                continue
            p = os.path.join(d, n)
            try:
                with open(p) as f:
                    env = json.load(f)
            except (OSError, ValueError):
                continue
            if addr in env.get("rcpt_tos", []):
                os.rename(p, p + ".seen")
                return env["time"]
        return None

    # -- pipe mode -------------------------------------------------------

    def stdin(self):
        k = self.args.samples
        self.new_sink("sink-stdin")
        say("stdin: ticketd --stdin, %d mails" % k)
        g = mails.Gen(seed=23, tag="s")
        commit, ack, rss = [], [], []
        for i in range(k):
            raw, rec = g.new(int(time.time()), k=7000 + i)
            addr = rec[2]
            run = self.ticketd("--stdin", stdin_bytes=raw)
            run.wait(timeout=60)
            if run.rc != 0:
                raise RuntimeError("ticketd --stdin exited %s:\n%s"
                                   % (run.rc, run.text()[-3000:]))
            c = run.find(r"committed")
            commit.append(c[0] - run.t0)
            at = harness.wait_until(lambda: self._sink_time(addr), 30,
                                    interval=0.002, what="the ack")
            ack.append(at - run.t0)
            rss.append(run.maxrss)
        self.res.update({
            "stdin_samples": k,
            "stdin_commit_p50_ms": ms(pct(commit, 50)),
            "stdin_commit_p95_ms": ms(pct(commit, 95)),
            "stdin_commit_p99_ms": ms(pct(commit, 99)),
            "stdin_ack_p50_ms": ms(pct(ack, 50)),
            "stdin_ack_p95_ms": ms(pct(ack, 95)),
            "stdin_ack_p99_ms": ms(pct(ack, 99)),
            "rss_stdin_bytes": max(rss),
        })

    # -- web -------------------------------------------------------------

    def grow(self, want):
        """Copy the backlog's tickets (with their mails, comments,
        participants, events, attachments) until there are want tickets:
        the same rows under new numbers and Message-IDs, through SQL, with
        the full-text index kept by its triggers."""
        con = sqlite3.connect(self.desk.db, timeout=60)
        try:
            have = con.execute("SELECT max(number) FROM tickets").fetchone()[0]
            base = have
            k = 1
            while con.execute("SELECT count(*) FROM tickets").fetchone()[0] \
                    < want:
                off = base * k
                mid_off = con.execute("SELECT max(id) FROM mails").fetchone()[0]
                cid_off = con.execute(
                    "SELECT coalesce(max(id), 0) FROM comments").fetchone()[0]
                room = want - con.execute(
                    "SELECT count(*) FROM tickets").fetchone()[0]
                lim = "number <= %d" % min(base, room)
                cols = [r[1] for r in con.execute("PRAGMA table_info(tickets)")]
                sel = ["number + %d" % off if c == "number" else
                       ("CASE WHEN linked_to IS NULL THEN NULL ELSE linked_to"
                        " + %d END" % off if c == "linked_to" else c)
                       for c in cols]
                con.execute("INSERT INTO tickets (%s) SELECT %s FROM tickets "
                            "WHERE %s" % (",".join(cols), ",".join(sel), lim))
                mcols = [r[1] for r in con.execute("PRAGMA table_info(mails)")]
                msel = []
                for c in mcols:
                    if c == "id":
                        msel.append("id + %d" % mid_off)
                    elif c == "message_id":
                        msel.append("message_id || '.%d'" % k)
                    elif c == "ticket_number":
                        msel.append("ticket_number + %d" % off)
                    else:
                        msel.append(c)
                con.execute("INSERT INTO mails (%s) SELECT %s FROM mails "
                            "WHERE ticket_number IS NOT NULL AND "
                            "ticket_number <= %d" % (
                                ",".join(mcols), ",".join(msel),
                                min(base, room)))
                con.execute("INSERT INTO comments (id, ticket_number, "
                            "author_id, mail_id, body, full_body, internal, "
                            "created_at) SELECT id + %d, ticket_number + %d, "
                            "author_id, mail_id + %d, body, full_body, "
                            "internal, created_at FROM comments WHERE "
                            "ticket_number <= %d" % (
                                cid_off, off, mid_off, min(base, room)))
                con.execute("INSERT INTO participants SELECT ticket_number + "
                            "%d, person_id, role, added_at FROM participants"
                            " WHERE ticket_number <= %d"
                            % (off, min(base, room)))
                con.execute("INSERT INTO events (ticket_number, at, actor_id,"
                            " kind, detail) SELECT ticket_number + %d, at, "
                            "actor_id, kind, detail FROM events WHERE "
                            "ticket_number <= %d" % (off, min(base, room)))
                con.execute("INSERT INTO attachments (ticket_number, "
                            "comment_id, mail_id, blob_id, filename, "
                            "media_type, content_id, size, is_image, "
                            "is_inline, note) SELECT ticket_number + %d, "
                            "comment_id + %d, mail_id + %d, blob_id, "
                            "filename, media_type, content_id, size, "
                            "is_image, is_inline, note FROM attachments "
                            "WHERE ticket_number <= %d" % (
                                off, cid_off, mid_off, min(base, room)))
                con.commit()
                k += 1
            con.execute("ANALYZE")
            con.commit()
            return con.execute("SELECT count(*) FROM tickets").fetchone()[0]
        finally:
            con.close()

    def wrk(self, url, seconds):
        # 32 connections: the page serves at most 32 at once from one
        # address (issue 12); wrk's more would measure the refusals
        r = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % seconds,
                            "--latency", url], capture_output=True,
                           text=True, timeout=seconds + 60)
        out = r.stdout
        m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)\b", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errs = re.search(r"Socket errors: (.*)", out)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        return {"rps": float(m.group(1)) if m else None,
                "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2)
                if p99 else None,
                "non_2xx": int(non2xx.group(1)) if non2xx else 0,
                "socket_errors": errs.group(1) if errs else ""}

    def web(self):
        want = self.args.web_tickets
        say("web: growing the database to %d tickets" % want)
        t = time.monotonic()
        n = self.grow(want)
        say("web: %d tickets (%.1f s)" % (n, time.monotonic() - t))
        self.daemon = self.ticketd()
        harness.wait_until(lambda: harness.port_open(self.desk.web_port), 60,
                           what="the status page")
        secret = os.path.join(self.tmp, "web.secret")
        dkey = harness.web_desk_key(secret, int(time.time()) + 86400)
        num = n // 2
        tkey = harness.web_ticket_key(secret, num)
        base = "http://%s:%d" % (harness.LOOPBACK, self.desk.web_port)
        urls = {"dashboard": "%s/?k=%s" % (base, dkey),
                "ticket": "%s/t/%d?k=%s" % (base, num, tkey),
                "search": "%s/tickets?q=printer&k=%s" % (base, dkey)}
        import urllib.request
        for name, url in urls.items():
            with urllib.request.urlopen(url, timeout=30) as resp:
                assert resp.status == 200, (name, resp.status)
        # one request at a time: the time a person waits for the page
        for name, url in urls.items():
            times = []
            for _ in range(21):
                t0 = time.monotonic()
                with urllib.request.urlopen(url, timeout=30) as resp:
                    resp.read()
                times.append(time.monotonic() - t0)
            times.sort()
            self.res["web_%s_single_ms" % name] = ms(times[len(times) // 2])
        s = self.args.web_seconds
        for name, url in urls.items():
            say("web: wrk %s" % name)
            w = self.wrk(url, s)
            self.res["web_%s_rps" % name] = w["rps"]
            self.res["web_%s_p99_ms" % name] = w["p99_ms"]
            if w["non_2xx"] or w["socket_errors"]:
                self.res["web_%s_errors" % name] = "%d non-2xx; %s" % (
                    w["non_2xx"], w["socket_errors"])
        self.res["web_tickets"] = n
        self.res["rss_web_bytes"] = self.daemon.hwm()
        self.daemon.stop()
        self.daemon = None


def ms(x):
    return None if x is None else round(x * 1000.0, 1)


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


TARGETS = [
    # key, label, unit, target text, ok(value)
    ("backlog_mails_per_s", "backlog ingest", "mails/s", ">= 5000",
     lambda v: v >= 5000),
    ("ceiling_mails_per_s", "ceiling (fetch+move only)", "mails/s", "", None),
    ("ingest_share_of_ceiling", "ingest / ceiling", "", "", None),
    ("backlog_cpu_user_s", "ticketd --once CPU, user", "s", "", None),
    ("backlog_cpu_sys_s", "ticketd --once CPU, system", "s", "", None),
    ("backlog_minor_faults", "ticketd --once page faults", "", "", None),
    ("notices_per_s", "notice delivery", "notices/s", ">= 500",
     lambda v: v >= 500),
    ("imap_e2e_p50_ms", "IMAP e2e p50", "ms", "<= 600", lambda v: v <= 600),
    ("imap_e2e_p95_ms", "IMAP e2e p95", "ms", "", None),
    ("imap_e2e_p99_ms", "IMAP e2e p99", "ms", "<= 800", lambda v: v <= 800),
    ("imap_bare_idle_p50_ms", "bare IDLE wake-up p50", "ms", "", None),
    ("imap_bare_idle_p99_ms", "bare IDLE wake-up p99", "ms", "", None),
    ("imap_overhead_p50_ms", "ticketd over bare IDLE p50", "ms", "<= 50",
     lambda v: v <= 50),
    ("stdin_commit_p50_ms", "--stdin to commit p50", "ms", "", None),
    ("stdin_commit_p95_ms", "--stdin to commit p95", "ms", "", None),
    ("stdin_commit_p99_ms", "--stdin to commit p99", "ms", "", None),
    ("stdin_ack_p50_ms", "--stdin to ack at sink p50", "ms", "<= 20",
     lambda v: v <= 20),
    ("stdin_ack_p95_ms", "--stdin to ack at sink p95", "ms", "", None),
    ("stdin_ack_p99_ms", "--stdin to ack at sink p99", "ms", "", None),
    ("web_dashboard_single_ms", "web dashboard, one at a time", "ms",
     "< 50", lambda v: v < 50),
    ("web_ticket_single_ms", "web ticket page, one at a time", "ms", "",
     None),
    ("web_search_single_ms", "web search, one at a time", "ms", "", None),
    ("web_dashboard_rps", "web dashboard", "req/s", ">= 5000",
     lambda v: v >= 5000),
    ("web_dashboard_p99_ms", "web dashboard p99", "ms", "", None),
    ("web_ticket_rps", "web ticket page", "req/s", ">= 10000",
     lambda v: v >= 10000),
    ("web_ticket_p99_ms", "web ticket page p99", "ms", "", None),
    ("web_search_rps", "web search", "req/s", "", None),
    ("web_search_p99_ms", "web search p99", "ms", "", None),
    ("rss_backlog_bytes", "peak RSS, backlog run", "MB", "<= 50",
     lambda v: v <= 50),
    ("rss_daemon_bytes", "peak RSS, idle daemon (IMAP run)", "MB", "", None),
    ("rss_stdin_bytes", "peak RSS, --stdin", "MB", "", None),
    ("rss_web_bytes", "peak RSS, daemon under wrk", "MB", "", None),
    ("raw_bytes_per_mail", "raw mail size (mean)", "bytes", "", None),
    ("db_bytes_per_mail", "database per mail", "bytes", "", None),
    ("db_bytes_per_mail_beyond_raw", "database beyond raw, per mail",
     "bytes", "<= 2048", lambda v: v <= 2048),
]


def table(res):
    rows = []
    for key, label, unit, target, ok in TARGETS:
        v = res.get(key)
        if v is None:
            continue
        if unit == "MB":
            v = round(v / 1e6, 1)
        verdict = "" if ok is None else ("met" if ok(v) else "MISSED")
        rows.append("%-34s %12s %-9s %-9s %s" % (label, v, unit, target,
                                                  verdict))
    return "\n".join(["%-34s %12s %-9s %-9s %s" % ("figure", "value", "unit",
                                                    "target", "")] + rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=REPO)
    ap.add_argument("--fetchmove", default=os.path.join(REPO, "build",
                                                         "bench", "fetchmove"))
    ap.add_argument("--mails", type=int, default=10000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--web-tickets", type=int, default=100000)
    ap.add_argument("--web-seconds", type=int, default=10)
    ap.add_argument("--only", default="backlog,imap,stdin,web")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    args = ap.parse_args()
    only = set(args.only.split(","))
    b = Bench(args)
    res = {"machine": machine(), "load_at_start": loadavg()}
    try:
        b.start()
        if "backlog" in only:
            b.backlog()
        if "imap" in only:
            b.imap()
        if "stdin" in only:
            b.stdin()
        if "web" in only:
            if "backlog" not in only:
                raise SystemExit("web needs the backlog's database")
            b.web()
    finally:
        res.update(b.res)
        res["load_at_end"] = loadavg()
        b.close()
    with open(args.out + ".tmp", "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    os.rename(args.out + ".tmp", args.out)
    print(table(res))
    print("machine: %(nproc)s × %(cpu_model)s, %(date)s, commit %(commit)s"
          % res["machine"])
    print("load average: %s at start, %s at end" % (
        " ".join(map(str, res["load_at_start"])),
        " ".join(map(str, res["load_at_end"]))))
    print("written to %s" % args.out)


if __name__ == "__main__":
    main()
