/*
 * test_log.c — log.c's held lines (log_hold/log_release): nothing reaches
 * stderr while held, then every line whole and in order in one write; a
 * warning writes what is held and itself at once; a full buffer is
 * written before it would overflow, no line lost or cut; a line held a
 * second goes out with the next one; and without a hold each line is
 * written as it comes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static int saved_fd = -1, cap_fd = -1;
static char cap_path[] = "/tmp/test_log.XXXXXX";

/* stderr into a fresh temporary file (the T_ macros write after end()) */
static void
capture_start(void)
{
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	snprintf(cap_path, sizeof(cap_path), "/tmp/test_log.XXXXXX");
	cap_fd = mkstemp(cap_path);
	if (saved_fd == -1 || cap_fd == -1)
		abort();
	dup2(cap_fd, STDERR_FILENO);
}

/* What reached the file so far: a new string. */
static char *
captured(void)
{
	off_t n = lseek(cap_fd, 0, SEEK_END);
	char *s = malloc((size_t)n + 1);

	if (s == NULL || pread(cap_fd, s, (size_t)n, 0) != (ssize_t)n)
		abort();
	s[n] = '\0';
	return s;
}

static void
capture_end(void)
{
	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	close(cap_fd);
	unlink(cap_path);
}

static void
test_held_then_released(void)
{
	char *mid, *end, *all;

	log_init("t", 0, 1);
	capture_start();
	log_hold();
	log_info("one %d", 1);
	log_debug("two");
	log_info("three");
	mid = captured();
	log_release();
	end = captured();
	log_info("four");
	all = captured();
	capture_end();
	T_STREQ(mid, "");
	T_STREQ(end, "t: one 1\nt: two\nt: three\n");
	T_STREQ(all, "t: one 1\nt: two\nt: three\nt: four\n");
	free(mid);
	free(end);
	free(all);
}

/* 100 held lines of 34 bytes: one write; not held: a hundred. */
static void
test_held_lines_are_one_write(void)
{
	long long a, b, c;
	int i;

	log_init("t", 0, 0);
	capture_start();
	a = t_proc_io("syscw");
	log_hold();
	for (i = 0; i < 100; i++)
		log_info("ticket #%d created for someone", i);
	log_release();
	b = t_proc_io("syscw");
	for (i = 0; i < 100; i++)
		log_info("ticket #%d created for someone", i);
	c = t_proc_io("syscw");
	capture_end();
	/* valgrind makes a few writes of its own within the process */
	T_CHECK(a >= 0);
	T_CHECK(b - a >= 1 && b - a < 10);
	T_CHECK(c - b >= 100);
}

static void
test_nothing_written_while_held(void)
{
	char *mid;

	log_init("t", 0, 1);
	capture_start();
	log_hold();
	log_info("kept");
	mid = captured();
	log_release();
	capture_end();
	T_STREQ(mid, "");
	free(mid);
}

static void
test_warning_writes_at_once(void)
{
	char *mid;

	log_init("t", 0, 0);
	capture_start();
	log_hold();
	log_info("before");
	log_warnx("trouble %s", "here");
	mid = captured();
	log_info("after");
	log_release();
	capture_end();
	T_STREQ(mid, "t: before\nt: trouble here\n");
	free(mid);
}

static void
test_full_buffer_loses_nothing(void)
{
	char *all, want[64], *p;
	int i, bad = 0;

	log_init("t", 0, 0);
	capture_start();
	log_hold();
	for (i = 0; i < 5000; i++)
		log_info("line %05d of a batch", i);
	log_release();
	all = captured();
	capture_end();
	p = all;
	for (i = 0; i < 5000 && !bad; i++) {
		snprintf(want, sizeof(want), "t: line %05d of a batch\n", i);
		if (strncmp(p, want, strlen(want)) != 0)
			bad = 1;
		else
			p += strlen(want);
	}
	T_INTEQ(bad, 0);
	T_STREQ(p, "");
	free(all);
}

static void
test_long_line_kept_whole_or_cut_with_newline(void)
{
	static char big[4000];
	char *all;

	memset(big, 'x', sizeof(big) - 1);
	log_init("t", 0, 0);
	capture_start();
	log_hold();
	log_info("%s", big);
	log_info("next");
	log_release();
	all = captured();
	capture_end();
	/* vsnprintf keeps 2047 bytes of the message, as without a hold */
	T_INTEQ(strlen(all), 3 + 2047 + 1 + strlen("t: next\n"));
	T_CHECK(strstr(all, "x\nt: next\n") != NULL);
	free(all);
}

static void
test_a_second_old_goes_out(void)
{
	struct timespec ts = { 1, 100 * 1000 * 1000 };
	char *mid;

	log_init("t", 0, 0);
	capture_start();
	log_hold();
	log_info("old");
	nanosleep(&ts, NULL);
	log_info("new");
	mid = captured();
	log_release();
	capture_end();
	T_STREQ(mid, "t: old\nt: new\n");
	free(mid);
}

int
main(void)
{
	T_RUN(test_held_then_released);
	T_RUN(test_nothing_written_while_held);
	T_RUN(test_held_lines_are_one_write);
	T_RUN(test_warning_writes_at_once);
	T_RUN(test_full_buffer_loses_nothing);
	T_RUN(test_long_line_kept_whole_or_cut_with_newline);
	T_RUN(test_a_second_old_goes_out);
	return T_END();
}
