#!/usr/bin/python3
"""mails.py — the mails of make bench (bench/README.md), deterministic.

backlog(n): n mails as CRLF bytes in mailbox order: of every 20, 14 new
tickets (70 %), 5 replies to an earlier one (25 %, In-Reply-To and
References to it, "Re:" subject, quoted text) and 1 new ticket with a
50–200 kB PNG attached (5 %). Headers as a corporate mail server leaves
them: Return-Path, two Received, DKIM-Signature, Authentication-Results,
From with a display name, Date, Message-ID, a client's User-Agent; half
of the text mails are multipart/alternative with an HTML part, as
Outlook and Thunderbird send them.
"""

import base64
import email.utils
import random

DOMAIN = "corp.example"
DESK = "it@corp.example"

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Grace", "Hugo",
         "Ines", "Jonas", "Kira", "Luis", "Mara", "Nils", "Olga", "Pavel",
         "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wim", "Yara"]
LAST = ["Example", "Müller", "Wei", "Okafor", "Novak", "Haddad", "Lindqvist",
        "Rossi", "Dubois", "Kowalski", "Santos", "Nakamura", "Berg"]
PROBLEMS = [
    ("Printer on the {n}rd floor jams on every page",
     "the printer next to the kitchen jams on every page since this "
     "morning. The display says \"Paper jam tray 2\" even after we opened "
     "and closed every tray."),
    ("VPN drops every few minutes from home",
     "since the update last week the VPN connection drops every few minutes "
     "when I work from home. Error 809 shows up, in the office it works."),
    ("New laptop for the intern starting on Monday",
     "our intern starts on Monday and needs a laptop with the standard "
     "developer image, a docking station and a second monitor."),
    ("Outlook asks for my password again and again",
     "Outlook keeps asking for my password, several times an hour. I typed "
     "it in correctly each time and the web mail works fine."),
    ("Monitor flickers in meeting room {n}",
     "the big monitor in the meeting room flickers as soon as a laptop is "
     "connected over HDMI. With the wireless presenter it is fine."),
    ("Cannot open the shared drive S:",
     "since this morning the shared drive S: says access denied. My "
     "colleagues in the same team can open it without trouble."),
    ("Wi-Fi in building {n} is very slow",
     "the Wi-Fi on our floor is extremely slow since Tuesday, pages take "
     "half a minute to load. The cable in the meeting room works."),
    ("Software request: a licence for the diagram editor",
     "I need the diagram editor for the architecture review next week. "
     "Could you install it on my laptop and assign me a licence?"),
    ("Phone headset not recognised",
     "my USB headset is not recognised any more since the last restart. "
     "It works on the laptop of my neighbour, so it is not broken."),
    ("Account locked after the password change",
     "I changed my password this morning as asked and now my account is "
     "locked. I can still read mail on my phone, oddly enough."),
]
FILLER = [
    "It started after the update on Tuesday.",
    "I already restarted the computer twice, it did not help.",
    "This is urgent because the quarterly report is due on Friday.",
    "My colleague has the same problem since yesterday.",
    "I attached what I could find in the settings.",
    "Thank you for looking into it.",
    "I am in the office until 17:00, call me on my extension if needed.",
    "The asset tag on the device is on the bottom, I can read it to you.",
]
CLIENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) "
           "Gecko/20100101 Thunderbird/115.5.0",
           "Microsoft Outlook 16.0", "Apple Mail (2.3731.700.6)"]


def _fold_b64(data, width=76):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + width] for i in range(0, len(s), width))


class Gen:
    def __init__(self, seed=13, senders=2000, tag="b"):
        self.rng = random.Random(seed)
        self.senders = senders
        self.tag = tag
        self.seq = 0

    def person(self, k=None):
        rng = self.rng
        k = rng.randrange(self.senders) if k is None else k
        name = "%s %s" % (FIRST[k % len(FIRST)], LAST[(k // 7) % len(LAST)])
        return k, name, "user%04d@%s" % (k, DOMAIN)

    def _date(self, t):
        return email.utils.formatdate(t, localtime=False)

    def _headers(self, name, addr, subject, msgid, t, extra=()):
        rng = self.rng
        d = self._date(t)
        qid = "%010X" % rng.getrandbits(40)
        ip = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256),
                              rng.randrange(1, 255))
        bh = base64.b64encode(rng.randbytes(32)).decode()
        b = base64.b64encode(rng.randbytes(256)).decode()
        sig = "\r\n\t ".join(b[i:i + 64] for i in range(0, len(b), 64))
        subj = subject if subject.isascii() else "=?UTF-8?B?%s?=" % \
            base64.b64encode(subject.encode()).decode()
        nm = name if name.isascii() else "=?UTF-8?B?%s?=" % \
            base64.b64encode(name.encode()).decode()
        h = [
            "Return-Path: <%s>" % addr,
            "Received: from mail.%s (mail.%s [10.0.0.5])\r\n\tby mx.%s "
            "(Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s"
            % (DOMAIN, DOMAIN, DOMAIN, qid, DESK, d),
            "Received: from [%s] (ws-%04d.%s [%s])\r\n\tby mail.%s with "
            "ESMTPSA id %s; %s" % (ip, rng.randrange(10000), DOMAIN, ip,
                                    DOMAIN, qid.lower(), d),
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\r\n"
            "\ts=mail; t=%d; bh=%s;\r\n\th=From:To:Subject:Date:Message-ID;"
            "\r\n\tb=%s" % (DOMAIN, t, bh, sig),
            "Authentication-Results: mx.%s; dkim=pass header.d=%s;\r\n"
            "\tspf=pass smtp.mailfrom=%s; dmarc=pass header.from=%s"
            % (DOMAIN, DOMAIN, DOMAIN, DOMAIN),
            "From: \"%s\" <%s>" % (nm, addr) if nm == name
            else "From: %s <%s>" % (nm, addr),
            "To: IT help desk <%s>" % DESK,
            "Subject: %s" % subj,
            "Date: %s" % d,
            "Message-ID: <%s>" % msgid,
        ]
        h.extend(extra)
        h.append("User-Agent: %s" % rng.choice(CLIENTS))
        h.append("MIME-Version: 1.0")
        return h

    def _text(self, name, problem):
        rng = self.rng
        words = [problem] + rng.sample(FILLER, rng.randrange(2, 5))
        return ("Hello IT,\r\n\r\n%s\r\n\r\nBest regards,\r\n%s\r\n-- \r\n"
                "%s\r\nFinance, extension %d\r\n"
                % ("\r\n".join(_wrap(" ".join(words))), name.split()[0], name,
                   rng.randrange(1000, 9999)))

    def _html(self, text):
        body = "".join("<p>%s</p>" % p.replace("\r\n", "<br>")
                       for p in text.split("\r\n\r\n"))
        return ("<html><head><meta charset=\"utf-8\"></head><body "
                "style=\"font-family:Calibri,sans-serif\">%s</body></html>"
                % body)

    def _body(self, headers, text, image=None):
        rng = self.rng
        bnd = "----=_Part_%d_%d" % (self.seq, rng.getrandbits(32))
        if image is not None:
            headers.append("Content-Type: multipart/mixed; boundary=\"%s\""
                           % bnd)
            parts = [("Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n\r\n" + text),
                     ("Content-Type: image/png; name=\"screenshot.png\"\r\n"
                      "Content-Disposition: attachment; "
                      "filename=\"screenshot.png\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n"
                      + _fold_b64(image))]
        elif rng.random() < 0.5:
            headers.append("Content-Type: multipart/alternative; "
                           "boundary=\"%s\"" % bnd)
            parts = [("Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n\r\n" + text),
                     ("Content-Type: text/html; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n\r\n"
                      + self._html(text))]
        else:
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: 8bit")
            return "\r\n".join(headers) + "\r\n\r\n" + text
        out = "\r\n".join(headers) + "\r\n\r\nThis is a multi-part message " \
            "in MIME format.\r\n"
        for p in parts:
            out += "--%s\r\n%s\r\n" % (bnd, p)
        return out + "--%s--\r\n" % bnd

    def new(self, t, image=False, k=None, subject=None):
        """A new ticket: (raw bytes, its record for replies)."""
        rng = self.rng
        self.seq += 1
        k, name, addr = self.person(k)
        subj, problem = rng.choice(PROBLEMS)
        subj = subject or subj.format(n=rng.randrange(1, 9))
        msgid = "%s.%d.%x@mail.%s" % (self.tag, self.seq, rng.getrandbits(48),
                                       DOMAIN)
        text = self._text(name, problem)
        img = None
        if image:
            size = rng.randrange(50000, 200001)
            img = b"\x89PNG\r\n\x1a\n" + rng.randbytes(size - 8)
        raw = self._body(self._headers(name, addr, subj, msgid, t), text, img)
        return raw.encode("utf-8"), (k, name, addr, subj, msgid, text, t)

    def reply(self, t, orig):
        """The requester's follow-up to an earlier mail of theirs."""
        rng = self.rng
        self.seq += 1
        k, name, addr, subj, omsgid, otext, ot = orig
        msgid = "%s.%d.%x@mail.%s" % (self.tag, self.seq, rng.getrandbits(48),
                                       DOMAIN)
        quoted = "\r\n".join("> " + l for l in otext.split("\r\n"))
        text = ("Hello again,\r\n\r\n%s\r\n\r\n%s\r\n\r\nOn %s, %s wrote:\r\n"
                "%s\r\n" % ("\r\n".join(_wrap(" ".join(rng.sample(FILLER, 2)))),
                            name.split()[0], self._date(ot), name, quoted))
        h = self._headers(name, addr, "Re: " + subj, msgid, t,
                          ["In-Reply-To: <%s>" % omsgid,
                           "References: <%s>" % omsgid])
        return self._body(h, text).encode("utf-8")

    def backlog(self, n, t0=1764000000):
        out, originals = [], []
        for i in range(n):
            t = t0 + i
            slot = i % 20
            if slot == 0:
                raw, rec = self.new(t, image=True)
                originals.append(rec)
            elif slot <= 5 and originals:
                raw = self.reply(t, self.rng.choice(originals))
            else:
                raw, rec = self.new(t)
                originals.append(rec)
            out.append(raw)
        return out


def _wrap(text, width=72):
    lines, cur = [], ""
    for w in text.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w) if cur else w
    if cur:
        lines.append(cur)
    return lines


def write_maildir(path, raws, t0=1764000000):
    """Write raws into a Maildir at path (cur/, unseen), named so that
    Dovecot gives them UIDs in list order."""
    import os
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for i, raw in enumerate(raws):
        name = "%d.M%06dP1.bench,S=%d:2," % (t0 + i, i % 1000000, len(raw))
        with open(os.path.join(path, "cur", name), "wb") as f:
            f.write(raw)


if __name__ == "__main__":
    import sys
    g = Gen()
    raws = g.backlog(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    sys.stdout.buffer.write(raws[-1])
    print("\n# %d mails, %d bytes, mean %.0f" % (
        len(raws), sum(map(len, raws)), sum(map(len, raws)) / len(raws)),
        file=sys.stderr)
