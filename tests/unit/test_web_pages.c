/*
 * test_web_pages.c — the pure parts of serving attachments: an image is
 * judged by its bytes (only PNG, JPEG, GIF and WebP count; SVG and HTML
 * never do, whatever they are called), and the Content-Disposition value
 * carries a safe file name (RFC 6266, RFC 8187).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_pages.h"

#include "t.h"

static void
test_image_type(void)
{
	static const struct {
		const char *bytes;
		size_t	    len;
		const char *type;
	} cases[] = {
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "image/png" },
		{ "\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg" },
		{ "GIF89a\x01\0\x01\0", 10, "image/gif" },
		{ "GIF87a", 6, "image/gif" },
		{ "RIFF\x24\0\0\0WEBPVP8 ", 16, "image/webp" },
		/* not images, or not safe ones */
		{ "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=", 48, NULL },
		{ "<?xml version=\"1.0\"?><svg", 25, NULL },
		{ "<!DOCTYPE html><script>", 23, NULL },
		{ "%PDF-1.7", 8, NULL },
		{ "RIFF\x24\0\0\0WAVEfmt ", 16, NULL },
		{ "BM\x36\0\0\0", 6, NULL },
		/* cut short */
		{ "\x89PNG\r\n\x1a", 7, NULL },
		{ "\xff\xd8", 2, NULL },
		{ "GIF89", 5, NULL },
		{ "RIFF\x24\0\0\0WEB", 11, NULL },
		{ "", 0, NULL },
	};
	size_t i;
	const char *t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = t_dup_n(cases[i].bytes, cases[i].len);

		t = web_image_type((const unsigned char *)p, cases[i].len);
		if (cases[i].type == NULL)
			T_CHECK(t == NULL);
		else
			T_STREQ(t, cases[i].type);
		free(p);
	}
	T_CHECK(web_image_type(NULL, 10) == NULL);
}

static void
test_disposition(void)
{
	static const struct {
		const char *type, *name, *out;
	} cases[] = {
		{ "attachment", "report.pdf",
		    "attachment; filename=\"report.pdf\"" },
		{ "inline", "jam.png", "inline; filename=\"jam.png\"" },
		/* quotes, semicolons, percent: replaced, the name kept in
		 * filename*; a backslash separates a path */
		{ "attachment", "a\"b;c%d.txt",
		    "attachment; filename=\"a_b_c_d.txt\"; "
		    "filename*=UTF-8''a%22b%3Bc%25d.txt" },
		{ "attachment", "a\"b\\c;d%e.txt",
		    "attachment; filename=\"c_d_e.txt\"; "
		    "filename*=UTF-8''c%3Bd%25e.txt" },
		/* paths: only the last component */
		{ "attachment", "../../etc/passwd",
		    "attachment; filename=\"passwd\"" },
		{ "attachment", "C:\\Users\\x\\evil.exe",
		    "attachment; filename=\"evil.exe\"" },
		/* no hidden files; nothing left: a neutral name */
		{ "attachment", ".htaccess", "attachment; filename=\"htaccess\"" },
		{ "attachment", "", "attachment; filename=\"attachment\"" },
		{ "attachment", "dir/", "attachment; filename=\"attachment\"" },
		/* control characters (a header split) never pass */
		{ "attachment", "a\r\nSet-Cookie: x=1",
		    "attachment; filename=\"a__Set-Cookie: x=1\"; "
		    "filename*=UTF-8''a__Set-Cookie%3A%20x%3D1" },
		/* UTF-8: an ASCII fallback and the real name */
		{ "attachment", "Grüße.txt",
		    "attachment; filename=\"Gr____e.txt\"; "
		    "filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt" },
		{ "attachment", "\"><svg onload=alert(1)>.svg",
		    "attachment; filename=\"_><svg onload=alert(1)>.svg\"; "
		    "filename*=UTF-8''%22%3E%3Csvg%20onload%3Dalert%281%29%3E.svg" },
		{ "attachment", NULL, "attachment; filename=\"attachment\"" },
	};
	size_t i;
	char *d;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = web_disposition(cases[i].type, cases[i].name);
		/* a case may give only the start of the value */
		T_CHECK(d != NULL && strncmp(d, cases[i].out,
		    strlen(cases[i].out)) == 0);
		if (d == NULL || strncmp(d, cases[i].out,
		    strlen(cases[i].out)) != 0)
			fprintf(stderr, "#   got:  %s\n#   want: %s\n", d,
			    cases[i].out);
		T_CHECK(d != NULL && strpbrk(d, "\r\n") == NULL);
		free(d);
	}
	/* a long name is cut at a character boundary, 100 bytes at most */
	{
		char name[400];

		memset(name, 'x', sizeof(name));
		memcpy(name + 98, "\xc3\xa9", 2);	/* é across byte 100 */
		memcpy(name + 99, "\xc3\xa9", 2);
		name[sizeof(name) - 1] = '\0';
		d = web_disposition("attachment", name);
		T_CHECK(d != NULL && strlen(d) < 400);
		T_CHECK(d != NULL && strstr(d, "%C3%A9%C3") == NULL);
		free(d);
	}
}

int
main(void)
{
	T_RUN(test_image_type);
	T_RUN(test_disposition);
	return T_END();
}
