"""The long-running daemon: IDLE, polling, IMAP restarts, SMTP outages."""

import email
import signal
import time

from harness import DeskTest, make_mail, wait_until


class Daemon(DeskTest):

    def setUp(self):
        super().setUp()
        self.dove = self.start_dovecot()
        self.sink = self.start_sink()

    def wait_ready(self, desk):
        """The daemon has connected once it created Processed."""
        wait_until(lambda: desk.daemon.poll() is not None
                   or "Processed" in self.dove.folders(), 30,
                   what="the daemon to connect and create Processed")
        self.assertIsNone(desk.daemon.poll(), "ticketd exited:\n" + desk.daemon_log())
        time.sleep(1.0)     # let it get to IDLE / its wait

    def test_idle_pickup(self):
        # poll_interval 60: only IDLE can bring the mail in within seconds
        desk = self.make_desk(self.dove, self.sink,
                              conf={"imap": {"idle": "yes", "poll_interval": "60"}})
        desk.start()
        self.wait_ready(desk)
        t0 = time.monotonic()
        self.dove.append(make_mail(subject="Picked up by IDLE"))
        wait_until(lambda: desk.ticket_count() == 1, 10, interval=0.02,
                   what="the ticket (IDLE)")
        latency = time.monotonic() - t0
        print("# IDLE pickup latency %.2fs" % latency)
        self.assertLess(latency, 5.0)
        wait_until(lambda: self.dove.count("INBOX") == 0, 10, what="the move")
        wait_until(lambda: len(self.sink.messages()) == 1, 10, what="the ack")
        # a second one in the same IDLE session
        self.dove.append(make_mail(subject="Second while idling"))
        wait_until(lambda: desk.ticket_count() == 2, 10, what="ticket 2 (IDLE)")
        self.assertEqual(desk.stop(), 0)
        self.assertEqual(self.dove.count("Processed"), 2)

    def test_polling_mode(self):
        desk = self.make_desk(self.dove, self.sink,
                              conf={"imap": {"idle": "no", "poll_interval": "1"}})
        desk.start()
        self.wait_ready(desk)
        for i in (1, 2):
            t0 = time.monotonic()
            self.dove.append(make_mail(subject="Polled %d" % i))
            wait_until(lambda: desk.ticket_count() == i, 10, what="ticket %d" % i)
            print("# poll pickup latency %.2fs" % (time.monotonic() - t0))
        wait_until(lambda: self.dove.count("INBOX") == 0, 10, what="the move")
        wait_until(lambda: len(self.sink.messages()) == 2, 10, what="2 acks")
        self.assertEqual(desk.stop(), 0)

    def test_sigint_exits_zero(self):
        desk = self.make_desk(self.dove, self.sink)
        desk.start()
        self.wait_ready(desk)
        self.assertEqual(desk.stop(signal.SIGINT), 0)

    def test_backlog_drained_on_start(self):
        for i in range(3):
            self.dove.append(make_mail(subject="Backlog %d" % i))
        desk = self.make_desk(self.dove, self.sink,
                              conf={"imap": {"poll_interval": "60"}})
        desk.start()
        wait_until(lambda: desk.ticket_count() == 3, 20, what="3 tickets")
        wait_until(lambda: self.dove.count("INBOX") == 0, 10, what="empty INBOX")
        self.assertEqual(desk.stop(), 0)

    def test_imap_restart_during_idle(self):
        desk = self.make_desk(self.dove, self.sink,
                              conf={"imap": {"idle": "yes", "poll_interval": "60"}})
        desk.start()
        self.wait_ready(desk)
        self.dove.append(make_mail(subject="Before the restart"))
        wait_until(lambda: desk.ticket_count() == 1, 10, what="ticket 1")
        self.dove.restart()
        time.sleep(1.5)
        self.assertIsNone(desk.daemon.poll(),
                          "ticketd exited when the IMAP server went away:\n"
                          + desk.daemon_log()[-3000:])
        t0 = time.monotonic()
        self.dove.append(make_mail(subject="After the restart"))
        wait_until(lambda: desk.ticket_count() == 2, 30, what="ticket 2 after restart")
        print("# pickup after restart %.2fs" % (time.monotonic() - t0))
        wait_until(lambda: self.dove.count("INBOX") == 0, 10, what="the move")
        # down for a while (several backoff steps), then back
        self.dove.stop()
        time.sleep(4)
        self.dove.start()
        self.dove.append(make_mail(subject="After a longer outage"))
        wait_until(lambda: desk.ticket_count() == 3, 40, what="ticket 3 after outage")
        self.assertEqual(desk.stop(), 0)
        # A MOVE the server made just as it was stopped may leave a second
        # copy behind (the mail is filed once, the duplicate is known by
        # its Message-ID): count distinct mails.
        ids = {email.message_from_bytes(raw)["Message-ID"]
               for _, raw in self.dove.fetch("Processed")}
        self.assertEqual(len(ids), 3)

    def test_daemon_sends_pending_after_smtp_returns(self):
        self.sink.stop()
        desk = self.make_desk(self.dove, self.sink,
                              conf={"imap": {"poll_interval": "60"}})
        desk.start()
        self.wait_ready(desk)
        self.dove.append(make_mail(subject="Ack waits for SMTP"))
        wait_until(lambda: desk.ticket_count() == 1, 10, what="ticket 1")
        wait_until(lambda: (desk.outbox() or [{}])[0].get("attempts", 0) >= 1, 15,
                   what="a first send attempt")
        self.sink.start()
        # the backoff schedule starts small: the daemon retries by itself
        wait_until(lambda: len(self.sink.messages()) == 1, 75, interval=0.5,
                   what="the ack after SMTP came back")
        self.assertEqual(desk.stop(), 0)


class SmtpOutage(DeskTest):

    def setUp(self):
        super().setUp()
        self.dove = self.start_dovecot()

    def test_smtp_down_then_up(self):
        sink = self.start_sink(start=False)        # port reserved, nothing listening
        desk = self.make_desk(self.dove, sink)
        self.dove.append(make_mail(subject="SMTP is down"))
        desk.once()
        self.assertEqual(desk.ticket_count(), 1)
        self.assertEqual(self.dove.count("INBOX"), 0)
        ob = desk.outbox()
        self.assertEqual(len(ob), 1)
        self.assertEqual(ob[0]["status"], "pending")
        self.assertGreaterEqual(ob[0]["attempts"], 1)
        self.assertTrue(ob[0]["last_error"], "last_error is empty")
        first_attempts = ob[0]["attempts"]
        sink.start()
        desk.once()
        ob = desk.outbox()
        self.assertEqual(ob[0]["status"], "sent")
        self.assertGreater(ob[0]["attempts"], first_attempts - 1)
        msgs = sink.messages()
        self.assertEqual(len(msgs), 1)
        # once more: nothing is sent twice
        desk.once()
        self.assertEqual(len(sink.messages()), 1)

    def test_smtp_451_stays_pending(self):
        sink = self.start_sink(reply="451 4.3.0 Try again later")
        desk = self.make_desk(self.dove, sink)
        self.dove.append(make_mail(subject="Greylisted"))
        desk.once()
        ob = desk.outbox()
        self.assertEqual(ob[0]["status"], "pending")
        self.assertGreaterEqual(ob[0]["attempts"], 1)
        self.assertIn("451", ob[0]["last_error"] or "")
        self.assertGreater(ob[0]["next_attempt_at"], 0)

    def test_smtp_550_fails_permanently(self):
        sink = self.start_sink(reply="550 5.1.1 No such user")
        desk = self.make_desk(self.dove, sink)
        self.dove.append(make_mail(subject="Rejected"))
        desk.once()
        ob = desk.outbox()
        self.assertEqual(ob[0]["status"], "failed")
        self.assertIn("550", ob[0]["last_error"] or "")
        # a failed notice is not retried
        desk.once()
        self.assertEqual(desk.outbox()[0]["attempts"], ob[0]["attempts"])
