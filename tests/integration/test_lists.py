"""List mail and robots are never answered (issue 7, point 1): every
fixture in tests/unit/data/lists/ (one per list manager's header set and
per robot sender form) is stored and gets no acknowledgement, no
access-denied notice, and no relayed comment ever reaches a list's
address."""

import email
import email.policy
import email.utils
import os

from harness import REPO, DeskTest, make_mail

FIXTURES = os.path.join(REPO, "tests", "unit", "data", "lists")


def fixtures():
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith(".eml"))


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def senders(raw):
    """Every address of the mail's From, Sender, Reply-To and the list's
    own headers: none of them may be answered."""
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = set()
    for h in ("From", "Sender", "Reply-To", "List-Post", "List-Owner",
              "X-Mailing-List", "Mailing-List", "X-BeenThere"):
        for v in m.get_all(h) or []:
            v = str(v).replace("mailto:", "")
            for _, a in email.utils.getaddresses([v]):
                if "@" in a:
                    out.add(a.split("?")[0].lower())
    return out


class NeverAnswered(DeskTest):

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()

    def desk_for(self, allow=None):
        hd = {"root_admins": "root@corp.example",
              "admins": "bob@corp.example", "assign": "auto"}
        conf = {"helpdesk": hd}
        desk = self.make_desk(None, self.sink, conf=conf)
        if allow is None:
            del desk.conf["helpdesk"]["allow_domains"]
        desk.write_conf()
        return desk

    def check(self, desk, name):
        raw = read(name)
        before = len(desk.outbox())
        r = desk.stdin(raw, check=0)
        self.assertEqual(r.rc, 0, name + r.stderr)
        mail = desk.mails()[-1]
        self.assertEqual(bytes(mail["raw"]), raw, name)          # stored
        bad = senders(raw)
        for row in desk.outbox()[before:]:
            if row["rcpt_to"].lower() in bad:
                self.assertEqual(row["status"], "suppressed",
                                 "%s: %s notice to %s" % (name, row["kind"],
                                                          row["rcpt_to"]))
        return mail

    def test_every_fixture_stored_never_answered(self):
        desk = self.desk_for()
        made = 0
        for name in fixtures():
            mail = self.check(desk, name)
            made += mail["disposition"] == "ticket"
        self.assertGreater(made, 5)     # the ones a person wrote to the desk
        rcpts = {a for env, _ in self.sink.messages() for a in env["rcpt_tos"]}
        self.assertEqual(rcpts, {"bob@corp.example"},
                         "only the admin heard of these tickets")

    def test_strangers_get_no_access_denied(self):
        desk = self.desk_for(allow="corp.example")
        for name in fixtures():
            self.check(desk, name)
        self.assertEqual([r for r in desk.outbox()
                          if r["kind"] == "access-denied"
                          and r["status"] != "suppressed"], [])

    def test_no_relay_to_a_list_address(self):
        desk = self.desk_for()
        self.check(desk, "via-list.eml")      # From: the list itself
        t = desk.tickets()[0]
        self.assertEqual(t["requester"], "users@lists.example.org")
        desk.stdin(make_mail(subject="Re: [IT #%d] x" % t["number"],
                             sender="bob@corp.example",
                             body="Which keys are missing?\n"), check=0)
        to_list = [r for r in desk.outbox()
                   if r["rcpt_to"] == "users@lists.example.org"]
        self.assertTrue(to_list)
        self.assertEqual({r["status"] for r in to_list}, {"suppressed"})
        self.assertEqual(desk.scalar("SELECT no_reply FROM people WHERE "
                                     "email = 'users@lists.example.org'"), 1)

    def test_a_forged_list_post_cannot_silence_an_admin(self):
        desk = self.desk_for()
        desk.stdin(make_mail(subject="hello", sender="eve@corp.example",
                             headers=["List-Id: <x.corp.example>",
                                      "List-Post: <mailto:bob@corp.example>",
                                      "List-Owner: <mailto:alice@corp.example>"]),
                   check=0)
        self.assertEqual(desk.scalar("SELECT no_reply FROM people WHERE "
                                     "email = 'bob@corp.example'"), 0)
        # alice was marked, and is a person again as soon as she writes
        self.assertEqual(desk.scalar("SELECT no_reply FROM people WHERE "
                                     "email = 'alice@corp.example'"), 1)
        desk.stdin(make_mail(subject="My screen"), check=0)
        self.assertEqual(desk.scalar("SELECT no_reply FROM people WHERE "
                                     "email = 'alice@corp.example'"), 0)
        acks = [r for r in desk.outbox() if r["kind"] == "ack"
                and r["rcpt_to"] == "alice@corp.example"]
        self.assertEqual([r["status"] for r in acks], ["sent"])
