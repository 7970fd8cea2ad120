#!/bin/bash
# install-deps.sh — the Debian 12 packages ticketd needs to build and test.
#
#   contrib/install-deps.sh [--check-or-install]   (default; what `make check`
#       and `make demo` run): prints nothing and exits 0 when every package is
#       installed; otherwise installs the missing ones with apt-get (as root,
#       or through sudo), or prints the exact command and exits 1.
#   contrib/install-deps.sh --list                 the package list, one a line.
#
# libetpan-dev depends on libcurl4-gnutls-dev, which conflicts with
# libcurl4-openssl-dev (see SERVERS.md): with the OpenSSL flavour installed,
# apt would abort, so this script stops first and says what to remove.
# Installing dovecot-imapd may start a system Dovecot on a systemd host; the
# tests never use it (they run their own instance on high loopback ports), so
# it is left alone.
set -euo pipefail

PACKAGES=(
	build-essential
	pkg-config
	libetpan-dev
	libcurl4-gnutls-dev
	libsqlite3-dev
	sqlite3
	libxml2-dev
	libcmark-dev
	libmicrohttpd-dev
	libinih-dev
	libytnef0-dev
	libgnutls28-dev
	zlib1g-dev
	gnutls-bin
	dovecot-imapd
	# the OAuth2 tests' SMTP submission (tests/integration/test_oauth2.py)
	# and the Sieve example's test (contrib/ticketd.sieve)
	dovecot-submissiond
	dovecot-sieve
	python3-aiosmtpd
	mandoc
	ca-certificates
	# `make fuzz`: clang with libFuzzer and the sanitizer runtimes;
	# `make check-valgrind`: valgrind memcheck
	clang
	libclang-rt-dev
	valgrind
	# `make bench`: the status page's figures under load
	wrk
	# the status page's browser test (tests/integration/test_web.py):
	# headless Chromium driven by Selenium, and fonts for CJK and emoji
	chromium
	chromium-driver
	python3-selenium
	fonts-wqy-microhei
	fonts-noto-color-emoji
)

prog=${0##*/}

usage() {
	echo "usage: $prog [--check-or-install | --list]" >&2
	exit 2
}

installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ "$st" = installed ]
}

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		installed "$p" || echo "$p"
	done
}

check_or_install() {
	local missing sudo=() apt_opts
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "$prog: no dpkg-query: not a Debian system; install the" \
		    "equivalents of: ${PACKAGES[*]}" >&2
		exit 0
	fi
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		exit 0
	fi

	if installed libcurl4-openssl-dev && ! installed libcurl4-gnutls-dev; then
		cat >&2 <<-EOF
		$prog: libcurl4-openssl-dev is installed. ticketd needs
		$prog: libcurl4-gnutls-dev (libetpan-dev depends on it) and the two
		$prog: conflict, so apt-get would abort. Remove the OpenSSL flavour
		$prog: first, then run this script again:
		$prog:     apt-get remove libcurl4-openssl-dev
		EOF
		exit 1
	fi

	apt_opts=(-y --no-install-recommends
	    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			echo "$prog: missing packages: ${missing[*]}" >&2
			echo "$prog: run as root:" >&2
			echo "    apt-get update && DEBIAN_FRONTEND=noninteractive" \
			    "apt-get install ${apt_opts[*]} ${missing[*]}" >&2
			exit 1
		fi
	fi

	echo "$prog: installing missing packages: ${missing[*]}" >&2
	if ! "${sudo[@]}" apt-get update </dev/null >&2; then
		echo "$prog: apt-get update failed; trying the cached lists" >&2
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	    apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null >&2

	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -ne 0 ]; then
		echo "$prog: still missing after apt-get: ${missing[*]}" >&2
		exit 1
	fi
}

[ "$#" -le 1 ] || usage
case "${1:---check-or-install}" in
--list)
	printf '%s\n' "${PACKAGES[@]}"
	;;
--check-or-install)
	check_or_install
	;;
*)
	usage
	;;
esac
