#!/usr/bin/python3
"""seed-tickets.py DATABASE [COUNT [DAYS]] — fill a desk's database (made by
`ticketctl init`) with COUNT synthetic tickets (default 100000) spread over
the last DAYS days (default 730), for measuring the status page by hand:
10 admins, 40 requesters, about one comment, three events, one mail and two
notices per ticket, the full-text index kept by the schema's triggers.
Deterministic (a fixed random seed). Not for a real desk.

  ticketctl -c desk.conf init
  contrib/seed-tickets.py /path/to/ticketd.db 100000
  ticketd -c desk.conf &
  wrk -t2 -c8 -d10s http://127.0.0.1:8025/
"""

import random
import sqlite3
import sys
import time

WORDS = ("printer jams paper tray toner laptop battery screen flickers vpn "
         "drops wifi slow password reset outlook crashes excel teams camera "
         "microphone docking station badge reader phone extension license "
         "adobe install update failed disk full backup restore shared drive "
         "access denied monitor cable keyboard mouse scanner network cable "
         "meeting room projector calendar mailbox quota").split()
STATUS = [("resolved", 80), ("rejected", 6), ("assigned", 10), ("open", 4)]
PRIO = [("low", 60), ("medium", 30), ("high", 10)]
TARGET = {"high": 4 * 3600, "medium": 86400, "low": 3 * 86400}


def pick(rnd, choices):
    total = sum(w for _, w in choices)
    x = rnd.uniform(0, total)
    for v, w in choices:
        x -= w
        if x <= 0:
            return v
    return choices[-1][0]


def text(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 730
    rnd = random.Random(10)
    now = int(time.time())
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    admins, users = [], []
    for i in range(10):
        cur = con.execute("INSERT OR IGNORE INTO people (email, name, role, "
                          "created_at) VALUES (?, ?, 'admin', ?)",
                          ("admin%d@corp.example" % i, "Admin %d" % i, now))
        admins.append(con.execute("SELECT id FROM people WHERE email = ?",
                                  ("admin%d@corp.example" % i,)).fetchone()[0])
    for i in range(40):
        con.execute("INSERT OR IGNORE INTO people (email, name, created_at) "
                    "VALUES (?, ?, ?)", ("user%d@corp.example" % i,
                                         "User %d" % i, now))
        users.append(con.execute("SELECT id FROM people WHERE email = ?",
                                 ("user%d@corp.example" % i,)).fetchone()[0])
    t0 = time.time()
    for i in range(count):
        created = now - rnd.randint(0, days * 86400)
        status = pick(rnd, STATUS)
        prio = pick(rnd, PRIO)
        adm = rnd.choice(admins) if status != "open" else None
        closed = None
        if status in ("resolved", "rejected"):
            closed = min(now - 1, created + int(TARGET[prio] *
                                                rnd.uniform(0.05, 2.0)))
        req = rnd.choice(users)
        cur = con.execute(
            "INSERT INTO tickets (subject, body, requester_id, assignee_id, "
            "status, priority, category, created_at, updated_at, closed_at, "
            "assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (text(rnd, 5).capitalize(), text(rnd, 40), req, adm, status,
             prio, rnd.choice(["hardware", "network", "software"]), created,
             closed or created, closed, created + 60 if adm else None))
        n = cur.lastrowid
        mid = "seed-%d@corp.example" % n
        con.execute("INSERT INTO mails (message_id, received_at, source, "
                    "from_addr, subject, size, raw, disposition, "
                    "ticket_number) VALUES (?, ?, 'imap', ?, 'x', 1, X'00', "
                    "'ticket', ?)", (mid, created, "user@corp.example", n))
        con.execute("INSERT INTO events (ticket_number, at, actor_id, kind) "
                    "VALUES (?, ?, ?, 'created')", (n, created, req))
        if adm:
            con.execute("INSERT INTO events (ticket_number, at, actor_id, "
                        "kind, detail) VALUES (?, ?, NULL, 'assigned', 'x')",
                        (n, created + 60))
        if closed:
            con.execute("INSERT INTO events (ticket_number, at, actor_id, "
                        "kind) VALUES (?, ?, ?, ?)", (n, closed, adm, status))
            con.execute("INSERT INTO comments (ticket_number, author_id, "
                        "body, full_body, created_at) VALUES (?, ?, ?, ?, ?)",
                        (n, adm, text(rnd, 25), "x", closed))
        for kind in ("ack", "assigned"):
            con.execute("INSERT INTO outbox (ticket_number, kind, message_id,"
                        " mail_from, rcpt_to, message, status, "
                        "next_attempt_at, created_at, sent_at) VALUES "
                        "(?, ?, ?, 'it@corp.example', 'user@corp.example', "
                        "X'00', 'sent', ?, ?, ?)",
                        (n, kind, "n-%s-%d@desk" % (kind, n), created,
                         created, created))
        if i % 10000 == 9999:
            con.commit()
            print("%d tickets, %.0fs" % (i + 1, time.time() - t0),
                  file=sys.stderr)
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


if __name__ == "__main__":
    main()
