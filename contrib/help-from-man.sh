#!/bin/sh
# help-from-man.sh man/ticketd-mail.7 > templates/help.md
#
# The desk's answer to a "help" mail (ticketd-mail(7), HELP) is that
# manual page itself: rendered by mandoc as 72-column text and put in a
# code block of a notice template, so that the text part reads exactly as
# `man ticketd-mail` and the HTML part shows it preformatted. The result
# is committed (a build needs no mandoc); `make help-template` writes it
# again after the page changed, and tests/integration/test_install.py
# fails while the two differ.
set -eu
page=${1:?usage: help-from-man.sh man/ticketd-mail.7}
command -v mandoc >/dev/null 2>&1 || {
	echo "help-from-man.sh: mandoc is needed" >&2
	exit 1
}
cat <<'HEAD'
Hello {{requester_name}},

this is how {{desk_name}} works by mail. Write to {{desk}}; the tag
of its tickets is [{{tag}} #N]. The manual below calls the desk
it@corp.example and uses the tag IT.

```text
HEAD
# without the page's header and footer lines (and the blank line each
# has beside it); tabs expanded, no overstrike, no trailing spaces
mandoc -T utf8 -O width=72 "$page" | col -bx | sed -e 's/[[:space:]]*$//' |
    awk '{ l[NR] = $0 } END { for (i = 3; i <= NR - 2; i++) print l[i] }'
printf '```\n\n— {{desk_name}}\n'
