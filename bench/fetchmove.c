/*
 * fetchmove.c — the ceiling of make bench (bench/README.md): the least an
 * IMAP intake can do with libetpan, with no parsing and no database.
 *
 *   fetchmove HOST PORT USER PASSWORD backlog [BATCH]
 *	UID SEARCH ALL, then per BATCH UIDs: UID FETCH (UID RFC822.SIZE
 *	BODY.PEEK[]) and UID MOVE to Processed. Prints "mails N seconds S".
 *   fetchmove HOST PORT USER PASSWORD idle COUNT
 *	COUNT times: IDLE until the server announces new mail, print
 *	"wake UNIXTIME" (the moment poll() woke, CLOCK_REALTIME), DONE, then
 *	fetch and move what is there as above. The bare IDLE wake-up.
 *
 * The password is an argument: this is a benchmark tool for a throwaway
 * loopback server, never for real accounts.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "fetchmove: %s: libetpan error %d\n", what, r);
	exit(1);
}

/* Every UID in the selected mailbox, ascending (Dovecot answers sorted). */
static uint32_t *
all_uids(mailimap *imap, size_t *n)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	clistiter *it;
	uint32_t *uids;
	int r;

	key = mailimap_search_key_new_all();
	r = mailimap_uid_search(imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		die("UID SEARCH", r);
	uids = calloc((size_t)clist_count(res) + 1, sizeof(*uids));
	if (uids == NULL)
		die("calloc", 0);
	*n = 0;
	for (it = clist_begin(res); it != NULL; it = clist_next(it))
		uids[(*n)++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	return uids;
}

/* Fetch the bodies of uids[0..n) and move them; returns the bytes seen. */
static size_t
fetch_move(mailimap *imap, const uint32_t *uids, size_t n)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *it, *jt;
	size_t i, bytes = 0;
	int r;

	set = mailimap_set_new_empty();
	for (i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		die("UID FETCH", r);
	/* touch each body as a consumer would: its length */
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);

		for (jt = clist_begin(att->att_list); jt != NULL;
		    jt = clist_next(jt)) {
			struct mailimap_msg_att_item *item = clist_content(jt);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_BODY_SECTION)
				bytes += item->att_data.att_static->att_data.
				    att_body_section->sec_length;
		}
	}
	mailimap_fetch_list_free(res);
	r = mailimap_uid_move(imap, set, "Processed");
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		die("UID MOVE", r);
	return bytes;
}

static size_t
drain(mailimap *imap, size_t batch)
{
	uint32_t *uids;
	size_t n, i, k;

	uids = all_uids(imap, &n);
	for (i = 0; i < n; i += k) {
		k = n - i < batch ? n - i : batch;
		(void)fetch_move(imap, uids + i, k);
	}
	free(uids);
	return n;
}

int
main(int argc, char *argv[])
{
	mailimap *imap;
	struct pollfd pfd;
	double t0;
	size_t n, batch = 200, count, i;
	int r;

	if (argc < 6) {
		fprintf(stderr, "usage: fetchmove HOST PORT USER PASSWORD "
		    "backlog [BATCH] | idle COUNT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	imap = mailimap_new(0, NULL);
	mailimap_set_timeout(imap, 60);
	r = mailimap_socket_connect(imap, argv[1],
	    (uint16_t)strtoul(argv[2], NULL, 10));
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR)
		die("connect", r);
	if ((r = mailimap_login(imap, argv[3], argv[4])) != MAILIMAP_NO_ERROR)
		die("LOGIN", r);
	(void)mailimap_create(imap, "Processed");
	if ((r = mailimap_select(imap, "INBOX")) != MAILIMAP_NO_ERROR)
		die("SELECT", r);

	if (strcmp(argv[5], "backlog") == 0) {
		if (argc > 6)
			batch = strtoul(argv[6], NULL, 10);
		if (batch == 0)
			batch = 200;
		t0 = now_mono();
		n = drain(imap, batch);
		printf("mails %zu seconds %.6f\n", n, now_mono() - t0);
	} else if (strcmp(argv[5], "idle") == 0 && argc > 6) {
		count = strtoul(argv[6], NULL, 10);
		printf("ready\n");
		for (i = 0; i < count; ) {
			if ((r = mailimap_idle(imap)) != MAILIMAP_NO_ERROR)
				die("IDLE", r);
			pfd.fd = mailimap_idle_get_fd(imap);
			pfd.events = POLLIN;
			if (imap->imap_stream->read_buffer_len == 0 &&
			    poll(&pfd, 1, 60000) <= 0)
				die("poll", errno);
			t0 = now_real();
			if ((r = mailimap_idle_done(imap)) != MAILIMAP_NO_ERROR)
				die("DONE", r);
			/* a wake-up for our own MOVE's EXPUNGE is no mail */
			if ((n = drain(imap, batch)) > 0)
				printf("wake %.6f %zu\n", t0, n);
			i += n;
		}
	} else {
		fprintf(stderr, "fetchmove: unknown mode %s\n", argv[5]);
		return 2;
	}
	mailimap_logout(imap);
	mailimap_free(imap);
	return 0;
}
