/*
 * test_svg.c — the charts: round grid steps (a table), the daily chart's
 * columns in proportion and its labels escaped, the bar chart's rows,
 * empty data, and refusals. Every chart must be well-formed XML (parsed
 * here with libxml2, no network).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "buf.h"
#include "svg.h"

#include "t.h"

static int
well_formed(const char *s)
{
	xmlDocPtr doc;

	doc = xmlReadMemory(s, (int)strlen(s), "chart.svg", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return 0;
	xmlFreeDoc(doc);
	return 1;
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void
test_nice_step(void)
{
	static const struct {
		long long max, step, top;
	} cases[] = {
		{ -5, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, { 3, 1, 3 },
		{ 5, 1, 5 }, { 6, 2, 6 }, { 7, 2, 8 }, { 9, 2, 10 },
		{ 10, 2, 10 }, { 11, 5, 15 }, { 24, 5, 25 }, { 26, 10, 30 },
		{ 99, 20, 100 }, { 100, 20, 100 }, { 101, 50, 150 },
		{ 4321, 1000, 5000 }, { 86400 * 3, 100000, 300000 },
	};
	long long top;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		top = -1;
		T_INTEQ(svg_nice_step(cases[i].max, &top), cases[i].step);
		T_INTEQ(top, cases[i].top);
		/* 1 to 5 grid intervals, the data below the top */
		T_CHECK(top / cases[i].step >= 1 && top / cases[i].step <= 5);
		T_CHECK(top >= cases[i].max);
	}
}

static void
test_daily(void)
{
	long long a[4] = { 0, 4, 2, 1 }, b[4] = { 1, 0, 4, 0 };
	const char *labels[4] = { "Mar 1", "Mar 2", "<b>Mar&3</b>", "Mar 4" };
	struct svg_daily d;
	struct buf out;
	char *s;

	memset(&d, 0, sizeof(d));
	d.n = 4;
	d.a = a;
	d.b = b;
	d.labels = labels;
	d.a_name = "opened";
	d.b_name = "closed <x>";
	d.title = "Tickets \"per\" day";
	d.label_every = 1;
	buf_init(&out, 1 << 20);
	T_INTEQ(svg_daily(&out, &d), 0);
	s = out.data;
	T_CHECK(well_formed(s));
	T_CHECK(strncmp(s, "<svg ", 5) == 0);
	T_CHECK(strstr(s, "role=\"img\"") != NULL);
	T_CHECK(strstr(s, "<title>Tickets &quot;per&quot; day</title>") != NULL);
	/* the labels and names escaped, never markup */
	T_CHECK(strstr(s, "&lt;b&gt;Mar&amp;3&lt;/b&gt;") != NULL);
	T_CHECK(strstr(s, "<b>") == NULL);
	T_CHECK(strstr(s, "closed &lt;x&gt;") != NULL);
	/* two legend squares and two columns a day */
	T_INTEQ(count(s, "<rect "), 2 + 2 * 4);
	/* the highest value reaches the top (4 of 4: the full plot height,
	 * 220 - 24 - 22 = 174) and a tooltip says what it is */
	T_CHECK(strstr(s, "height=\"174\"") != NULL);
	T_CHECK(strstr(s, "<title>Mar 2: 4 opened</title>") != NULL);
	/* zero is a column of height 0, not a missing one */
	T_CHECK(strstr(s, "height=\"0\"") != NULL);
	/* grid lines at 0..4 step 1 */
	T_INTEQ(count(s, "<line "), 5);
	buf_clear(&out);

	/* all zero: still a chart with its axis */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	buf_init(&out, 1 << 20);
	T_INTEQ(svg_daily(&out, &d), 0);
	T_CHECK(well_formed(out.data));
	buf_clear(&out);

	/* no days, too many days, no room */
	d.n = 0;
	buf_init(&out, 1 << 20);
	T_INTEQ(svg_daily(&out, &d), -1);
	d.n = SVG_MAX_COLUMNS + 1;
	T_INTEQ(svg_daily(&out, &d), -1);
	buf_clear(&out);
	d.n = 4;
	buf_init(&out, 100);
	T_INTEQ(svg_daily(&out, &d), -1);
	buf_clear(&out);
}

static void
test_hbars(void)
{
	struct svg_hbar rows[3] = {
		{ "high", "high", 3600, 7200, "median 1h · 90% in 2h" },
		{ "medium", "medium", -1, -1, "none resolved" },
		{ "low <&>", "low\" onload=\"x", 1800, 1800, "<script>" },
	};
	struct buf out;
	char *s;

	buf_init(&out, 1 << 20);
	T_INTEQ(svg_hbars(&out, rows, 3, "By priority"), 0);
	s = out.data;
	T_CHECK(well_formed(s));
	/* three tracks, two rows with data: a median and a p90 bar each */
	T_INTEQ(count(s, "class=\"track\""), 3);
	T_INTEQ(count(s, "class=\"p90\""), 2);
	T_CHECK(strstr(s, "class=\"p-high\"") != NULL);
	/* the longest bar (p90 of high, 7200) spans the plot: 440-64-8 */
	T_CHECK(strstr(s, "width=\"368\"") != NULL);
	/* its median half of it */
	T_CHECK(strstr(s, "width=\"184\"") != NULL);
	T_CHECK(strstr(s, "&lt;script&gt;") != NULL);
	T_CHECK(strstr(s, "low &lt;&amp;&gt;") != NULL);
	/* a class from the caller cannot add an attribute */
	T_CHECK(strstr(s, "onload") == NULL);
	T_CHECK(strstr(s, "class=\"p-x\"") != NULL);
	buf_clear(&out);

	/* no rows: an empty but valid chart */
	buf_init(&out, 1 << 20);
	T_INTEQ(svg_hbars(&out, rows, 0, "nothing"), 0);
	T_CHECK(well_formed(out.data));
	buf_clear(&out);
}

int
main(void)
{
	T_RUN(test_nice_step);
	T_RUN(test_daily);
	T_RUN(test_hbars);
	xmlCleanupParser();
	return T_END();
}
