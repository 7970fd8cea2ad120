/*
 * svg.c — the dashboard's charts (see svg.h). Coordinates are in a fixed
 * viewBox; the page's stylesheet scales the chart to the width of its
 * box, so it reads on a phone as on a desk. Colours are presentation
 * attributes (the stylesheet may override them through the classes).
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "svg.h"

/* The daily chart's box. */
#define D_W		720
#define D_H		220
#define D_LEFT		40	/* y labels */
#define D_RIGHT		8
#define D_TOP		24	/* legend */
#define D_BOTTOM	22	/* x labels */

/* The bar chart's box: one row each, its text under its bar. */
#define H_W		440
#define H_ROW		48
#define H_LABEL		64	/* row labels */
#define H_BAR		16
#define H_PAD		8

#define C_A		"#2563eb"	/* opened: blue */
#define C_B		"#16a34a"	/* closed: green */
#define C_GRID		"#e5e7eb"
#define C_AXIS		"#6b7280"

long long
svg_nice_step(long long max, long long *top)
{
	static const long long mult[] = { 1, 2, 5 };
	long long p = 1, step;
	int i;

	if (max <= 0) {
		*top = 1;
		return 1;
	}
	for (;;) {
		for (i = 0; i < 3; i++) {
			step = mult[i] * p;
			if ((max + step - 1) / step <= 5) {
				*top = (max + step - 1) / step * step;
				return step;
			}
		}
		if (p > (long long)1e17)
			break;
		p *= 10;
	}
	*top = max;
	return max;
}

/* A class name from the caller: letters, digits and '-' only, else "x". */
static const char *
safe_class(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 32)
		return "x";
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-'))
			return "x";
	return s;
}

/* The fill of a priority's bar. */
static const char *
prio_fill(const char *cls)
{
	if (cls == NULL)
		return C_AXIS;
	if (strcmp(cls, "high") == 0)
		return "#dc2626";
	if (strcmp(cls, "medium") == 0)
		return "#d97706";
	if (strcmp(cls, "low") == 0)
		return "#0891b2";
	return C_AXIS;
}

/* A number for an attribute: one decimal at most, C locale. */
static int
num(struct buf *b, double v)
{
	long long whole = (long long)(v * 10 + (v < 0 ? -0.5 : 0.5));

	if (whole % 10 == 0)
		return buf_printf(b, "%lld", whole / 10);
	return buf_printf(b, "%.1f", (double)whole / 10);
}

/* <text x y class anchor>escaped</text> */
static int
text(struct buf *b, double x, double y, const char *anchor, const char *cls,
    const char *s)
{
	if (buf_addstr(b, "<text x=\"") == -1 || num(b, x) == -1 ||
	    buf_addstr(b, "\" y=\"") == -1 || num(b, y) == -1 ||
	    buf_printf(b, "\" text-anchor=\"%s\" class=\"%s\">", anchor,
	    cls) == -1 || html_text(b, s) == -1 ||
	    buf_addstr(b, "</text>") == -1)
		return -1;
	return 0;
}

static int
rect(struct buf *b, double x, double y, double w, double h, const char *fill,
    const char *cls)
{
	if (buf_addstr(b, "<rect x=\"") == -1 || num(b, x) == -1 ||
	    buf_addstr(b, "\" y=\"") == -1 || num(b, y) == -1 ||
	    buf_addstr(b, "\" width=\"") == -1 || num(b, w) == -1 ||
	    buf_addstr(b, "\" height=\"") == -1 || num(b, h) == -1 ||
	    buf_printf(b, "\" fill=\"%s\" class=\"%s\">", fill, cls) == -1)
		return -1;
	return 0;
}

static int
open_svg(struct buf *b, int w, int h, const char *cls, const char *title)
{
	if (buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart %s\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "font-size=\"11\"><title>", cls, w, h) == -1 ||
	    html_text(b, title) == -1 || buf_addstr(b, "</title>") == -1)
		return -1;
	return 0;
}

int
svg_daily(struct buf *b, const struct svg_daily *d)
{
	double pw = D_W - D_LEFT - D_RIGHT, ph = D_H - D_TOP - D_BOTTOM;
	double slot, bw, x, h, base = D_TOP + ph;
	long long max = 0, top, step, g;
	size_t i, every = d->label_every != 0 ? d->label_every : 7;
	char lab[32];

	if (d->n == 0 || d->n > SVG_MAX_COLUMNS)
		return -1;
	for (i = 0; i < d->n; i++) {
		if (d->a[i] > max)
			max = d->a[i];
		if (d->b[i] > max)
			max = d->b[i];
	}
	step = svg_nice_step(max, &top);
	slot = pw / (double)d->n;
	bw = slot * 0.36;
	if (open_svg(b, D_W, D_H, "daily", d->title) == -1)
		return -1;

	/* grid lines and their values */
	for (g = 0; g <= top; g += step) {
		h = base - ph * (double)g / (double)top;
		snprintf(lab, sizeof(lab), "%lld", g);
		if (buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"", D_LEFT,
		    D_W - D_RIGHT) == -1 || num(b, h) == -1 ||
		    buf_addstr(b, "\" y2=\"") == -1 || num(b, h) == -1 ||
		    buf_printf(b, "\" stroke=\"%s\" class=\"grid\"/>",
		    g == 0 ? C_AXIS : C_GRID) == -1 ||
		    text(b, D_LEFT - 6, h + 4, "end", "axis", lab) == -1)
			return -1;
	}

	/* legend */
	if (rect(b, D_W - D_RIGHT - 150, 6, 10, 10, C_A, "key-a") == -1 ||
	    buf_addstr(b, "</rect>") == -1 ||
	    text(b, D_W - D_RIGHT - 136, 15, "start", "legend",
	    d->a_name) == -1 ||
	    rect(b, D_W - D_RIGHT - 70, 6, 10, 10, C_B, "key-b") == -1 ||
	    buf_addstr(b, "</rect>") == -1 ||
	    text(b, D_W - D_RIGHT - 56, 15, "start", "legend",
	    d->b_name) == -1)
		return -1;

	for (i = 0; i < d->n; i++) {
		x = D_LEFT + slot * (double)i + slot * 0.14;
		h = ph * (double)(d->a[i] > 0 ? d->a[i] : 0) / (double)top;
		if (rect(b, x, base - h, bw, h, C_A, "s-a") == -1 ||
		    buf_addstr(b, "<title>") == -1 ||
		    html_text(b, d->labels[i]) == -1 ||
		    buf_printf(b, ": %lld ", d->a[i]) == -1 ||
		    html_text(b, d->a_name) == -1 ||
		    buf_addstr(b, "</title></rect>") == -1)
			return -1;
		h = ph * (double)(d->b[i] > 0 ? d->b[i] : 0) / (double)top;
		if (rect(b, x + bw, base - h, bw, h, C_B, "s-b") == -1 ||
		    buf_addstr(b, "<title>") == -1 ||
		    html_text(b, d->labels[i]) == -1 ||
		    buf_printf(b, ": %lld ", d->b[i]) == -1 ||
		    html_text(b, d->b_name) == -1 ||
		    buf_addstr(b, "</title></rect>") == -1)
			return -1;
		if ((d->n - 1 - i) % every == 0 &&
		    text(b, D_LEFT + slot * ((double)i + 0.5), D_H - 6,
		    "middle", "axis", d->labels[i]) == -1)
			return -1;
	}
	return buf_addstr(b, "</svg>");
}

int
svg_hbars(struct buf *b, const struct svg_hbar *rows, size_t n,
    const char *title)
{
	double pw = H_W - H_LABEL - H_PAD, w, y;
	long long max = 0;
	size_t i;
	char cls[64];
	int h;

	if (n > SVG_MAX_COLUMNS)
		return -1;
	for (i = 0; i < n; i++) {
		if (rows[i].value > max)
			max = rows[i].value;
		if (rows[i].value2 > max)
			max = rows[i].value2;
	}
	h = (int)(n > 0 ? n : 1) * H_ROW;
	if (open_svg(b, H_W, h, "hbars", title) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		y = (double)i * H_ROW;
		snprintf(cls, sizeof(cls), "p-%s", safe_class(rows[i].cls));
		if (text(b, H_LABEL - 10, y + 6 + H_BAR - 4, "end", "label",
		    rows[i].label) == -1)
			return -1;
		/* the track, so an empty row still shows where a bar goes */
		if (rect(b, H_LABEL, y + 6, pw, H_BAR, "#f1f5f9", "track") ==
		    -1 || buf_addstr(b, "</rect>") == -1)
			return -1;
		if (rows[i].value2 >= 0 && max > 0) {
			w = pw * (double)rows[i].value2 / (double)max;
			if (rect(b, H_LABEL, y + 6, w, H_BAR, "#cbd5e1",
			    "p90") == -1 || buf_addstr(b, "</rect>") == -1)
				return -1;
		}
		if (rows[i].value >= 0 && max > 0) {
			w = pw * (double)rows[i].value / (double)max;
			if (rect(b, H_LABEL, y + 6, w, H_BAR,
			    prio_fill(rows[i].cls), cls) == -1 ||
			    buf_addstr(b, "</rect>") == -1)
				return -1;
		}
		if (text(b, H_LABEL, y + 6 + H_BAR + 15, "start", "value",
		    rows[i].text) == -1)
			return -1;
	}
	return buf_addstr(b, "</svg>");
}
