#!/bin/sh
# demo.sh — `make demo`: a throwaway Dovecot + SMTP sink on free loopback
# ports, a fresh desk with three sample mails, and ./ticketd in the
# foreground with its status page (the address and an admin link are
# printed). Ctrl-C stops the daemon and both servers; the temp directory
# (database, notices, logs) is kept and its path printed.
# TICKETD_BIN picks the binaries (default: the repo root).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
py=/usr/bin/python3
if [ ! -x "$py" ]; then
	echo "demo: $py is needed (Debian's python3 with python3-aiosmtpd)" >&2
	exit 1
fi
for prog in dovecot doveadm openssl; do
	command -v "$prog" >/dev/null 2>&1 || {
		echo "demo: $prog not found (make deps)" >&2; exit 1; }
done
exec "$py" "$top/tests/integration/harness.py" demo
