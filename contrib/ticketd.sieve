# ticketd.sieve — a Dovecot Sieve script for the desk's mailbox that hands
# each new mail to `ticketd --stdin` (MTA pipe mode, see ticketd(8)), for a
# desk whose mail Dovecot delivers: no IMAP polling, no IDLE delay.
#
# It needs Pigeonhole's vnd.dovecot.pipe extension (Debian: dovecot-sieve),
# enabled in the Dovecot configuration:
#   plugin {
#     sieve_plugins = sieve_extprograms
#     sieve_global_extensions = +vnd.dovecot.pipe
#     sieve_pipe_bin_dir = /usr/local/lib/dovecot/sieve-pipe
#   }
# and a program there, /usr/local/lib/dovecot/sieve-pipe/ticketd-stdin:
#   #!/bin/sh
#   exec /usr/local/bin/ticketd -s -c /etc/ticketd/ticketd.conf --stdin
# Sieve runs it as the mailbox's user, who must be the desk's user (it
# reads the configuration and writes the database).
#
# pipe hands the mail over and, done, nothing is kept in the mailbox.
# When ticketd fails (exit 75: busy database, broken configuration) the
# action fails and Dovecot falls back to the implicit keep: the mail stays
# in INBOX, where the daemon or `ticketd --once` takes it later.
require ["vnd.dovecot.pipe"];

pipe "ticketd-stdin";
