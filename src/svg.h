/*
 * svg.h — the dashboard's charts as inline SVG, drawn by the server (no
 * JavaScript). Pure: data in, markup appended to a buf. Every text in the
 * chart is HTML-escaped; the markup is valid XML, so a chart can also be
 * saved on its own.
 *
 * Return convention: 0, or -1 when the buf's maximum would be passed.
 */
#ifndef TICKETD_SVG_H
#define TICKETD_SVG_H

#include <stddef.h>

#include "buf.h"

/* Most columns a chart draws (days, priorities); more are refused. */
#define SVG_MAX_COLUMNS	366

/*
 * Two series side by side per day (tickets opened and closed): columns,
 * a y axis with 3–5 round grid lines, a label under every label_every-th
 * day, and a <title> on each column for a tooltip.
 */
struct svg_daily {
	size_t		   n;		/* days, 1..SVG_MAX_COLUMNS */
	const long long	  *a;		/* n values of the first series */
	const long long	  *b;		/* n values of the second */
	const char *const *labels;	/* n short day labels ("03-14") */
	const char	  *a_name;	/* "opened" */
	const char	  *b_name;	/* "closed" */
	const char	  *title;	/* what it shows (screen readers) */
	size_t		   label_every;	/* 0: every 7th */
};
int	svg_daily(struct buf *, const struct svg_daily *);

/*
 * Horizontal bars, one row per item: a solid bar for value and a light
 * one behind it reaching value2 (e.g. the median and the 90th percentile
 * of resolution times), the row's label on the left and its text on the
 * right. A value < 0 means no data: the row shows only its text.
 */
struct svg_hbar {
	const char *label;	/* "high" */
	const char *cls;	/* class suffix for the colour: "high" */
	long long   value;
	long long   value2;	/* >= value, or < 0 for none */
	const char *text;	/* "median 3h 10m, 90% within 1d 2h (12)" */
};
int	svg_hbars(struct buf *, const struct svg_hbar *, size_t n,
	    const char *title);

/*
 * The step of round grid lines for values up to max: 1, 2 or 5 times a
 * power of ten, so that max needs 3 to 5 of them; *top gets the axis end
 * (a multiple of the step >= max). max <= 0 gives step 1, top 1.
 */
long long svg_nice_step(long long max, long long *top);

#endif
