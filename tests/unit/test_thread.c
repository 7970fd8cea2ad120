/*
 * test_thread.c — thread_subject_tag(), thread_clean_subject(),
 * thread_subaddress(): tables of real subjects in many languages, the
 * hand-typed tag variants, near misses, hostile input, and big inputs that
 * must finish (a quadratic scan would not, in a test run's time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "t.h"
#include "thread.h"
#include "xmalloc.h"

/* number -1: no match */
static const struct {
	const char	*subject;
	long long	 number;
} tag_tab[] = {
	/* the tag as the desk writes it, after prefixes of every language */
	{ "[IT #42] Printer on 3rd floor", 42 },
	{ "Re: [IT #42] Printer on 3rd floor", 42 },
	{ "RE: [IT #42] Printer", 42 },
	{ "re: [IT #42] Printer", 42 },
	{ "Fwd: [IT #42] Printer", 42 },
	{ "Fw: [IT #42] Printer", 42 },
	{ "FW: [IT #42] Printer", 42 },
	{ "AW: [IT #42] Drucker", 42 },
	{ "WG: [IT #42] Drucker", 42 },
	{ "SV: [IT #42] Skrivare", 42 },
	{ "VS: [IT #42] Tulostin", 42 },
	{ "Antw: [IT #42] Printer", 42 },
	{ "Rif: [IT #42] Stampante", 42 },
	{ "R: [IT #42] Stampante", 42 },
	{ "RV: [IT #42] Impresora", 42 },
	{ "Doorst: [IT #42] Printer", 42 },
	{ "TR: [IT #42] Imprimante", 42 },
	{ "Tr : [IT #42] Imprimante", 42 },
	{ "Enc: [IT #42] Impressora", 42 },
	{ "ENC: [IT #42] Impressora", 42 },
	{ "Ynt: [IT #42] Yaz\xc4\xb1""c\xc4\xb1", 42 },
	{ "YNT: [IT #42] Yaz\xc4\xb1""c\xc4\xb1", 42 },
	{ "Odp: [IT #42] Drukarka", 42 },
	{ "PD: [IT #42] Drukarka", 42 },
	{ "RES: [IT #42] Impressora", 42 },
	{ "R\xc3\xa9""f : [IT #42] Imprimante", 42 },
	{ "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a[IT #42] \xe6\x89\x93\xe5\x8d\xb0"
	  "\xe6\x9c\xba", 42 },				/* 回复：[IT #42] 打印机 */
	{ "\xe7\xad\x94\xe5\xa4\x8d: [IT #42] x", 42 },	/* 答复: */
	{ "\xe5\x9b\x9e\xe8\xa6\x86\xef\xbc\x9a[IT #42] x", 42 },	/* 回覆： */
	{ "\xe8\xbd\xac\xe5\x8f\x91: [IT #42] x", 42 },	/* 转发: */
	{ "\xe8\xbb\xa2\xe9\x80\x81: [IT #42] x", 42 },	/* 転送: */
	{ "\xe8\xbf\x94\xe4\xbf\xa1: [IT #42] x", 42 },	/* 返信: */
	{ "Re[2]: [IT #42] x", 42 },
	{ "Re(3): [IT #42] x", 42 },
	{ "RE^2: [IT #42] x", 42 },
	{ "Re: AW: Fwd: RE: WG: [IT #42] x", 42 },
	{ "Re:Re:Re:[IT #42] x", 42 },
	/* hand-typed variants */
	{ "[it#42] lowercase, no space", 42 },
	{ "[IT # 42] spaced", 42 },
	{ "[IT#42] tight", 42 },
	{ "IT #42 no brackets", 42 },
	{ "IT#42", 42 },
	{ "(IT #42) parens", 42 },
	{ "Re: It #7 mixed case", 7 },
	{ "[ It  #  7 ]", 7 },
	{ "Drucker [IT #42]", 42 },
	{ "Drucker IT #42", 42 },
	{ "Re: question about IT #42, again", 42 },
	{ "IT #42.", 42 },
	{ "IT #42-3", 42 },
	{ "IT #42\xc3\xa9", 42 },
	{ "\xc3\xa9IT #42", 42 },
	{ "[IT #0042] zeros", 42 },
	{ "[IT #000000000000000000001]", 1 },
	{ "[IT #1]", 1 },
	{ "[IT #1000000000000]", 1000000000000LL },
	{ "[IT #999999999999]", 999999999999LL },
	{ "[IT #12] and [IT #13]", 12 },
	{ "[IT #0] then [IT #13]", 13 },
	{ "[HR #5] [IT #6]", 6 },
	{ "IT\t#\t9", 9 },
	/* near misses */
	{ "", -1 },
	{ "Printer on 3rd floor", -1 },
	{ "[HR #42] another desk", -1 },
	{ "SPLIT #42", -1 },
	{ "EDIT #42", -1 },
	{ "X-IT #42", -1 },
	{ "my_IT #42", -1 },
	{ "ITX #42", -1 },
	{ "[IT #42abc]", -1 },
	{ "IT #42_", -1 },
	{ "IT #4 2", -1 },
	{ "IT #4 2 printers", -1 },
	{ "IT #42 2nd floor", 42 },
	{ "[IT #42] 2 printers", 42 },
	{ "IT #", -1 },
	{ "IT #x", -1 },
	{ "IT 42", -1 },
	{ "IT: 42", -1 },
	{ "[IT #]", -1 },
	{ "[IT #0]", -1 },
	{ "[IT #000]", -1 },
	{ "[IT #-1]", -1 },
	{ "[IT #+1]", -1 },
	{ "[IT #1000000000001]", -1 },
	{ "[IT #99999999999999999999999999]", -1 },
	{ "[IT \xef\xbc\x83""42]", -1 },	/* full-width number sign */
	{ "I T #42", -1 },
	{ "\xff\xfe[IT #\xff""42]", -1 },
	{ "#42 IT", -1 },
};

static void
test_subject_tag(void)
{
	size_t i;
	long long n;
	int r;

	for (i = 0; i < sizeof(tag_tab) / sizeof(tag_tab[0]); i++) {
		n = -7;
		r = thread_subject_tag(tag_tab[i].subject, "IT", &n);
		if ((tag_tab[i].number < 0 && r != 0) ||
		    (tag_tab[i].number >= 0 &&
		    (r != 1 || n != tag_tab[i].number))) {
			fprintf(stderr, "# case %zu \"%s\": r %d n %lld\n", i,
			    tag_tab[i].subject, r, n);
			T_CHECK(0);
		}
	}
}

static void
test_subject_tag_other_tags(void)
{
	long long n = 0;

	T_INTEQ(thread_subject_tag("[HR #42] x", "HR", &n), 1);
	T_INTEQ(n, 42);
	T_INTEQ(thread_subject_tag("[hr #43] x", "Hr", &n), 1);
	T_INTEQ(n, 43);
	T_INTEQ(thread_subject_tag("[IT-EU #5] x", "IT-EU", &n), 1);
	T_INTEQ(n, 5);
	T_INTEQ(thread_subject_tag("[IT-EU #5] x", "IT", &n), 0);
	T_INTEQ(thread_subject_tag("[IT-EU #5] x", "EU", &n), 0);
	T_INTEQ(thread_subject_tag("[IT_2 #6] x", "it_2", &n), 1);
	T_INTEQ(n, 6);
	T_INTEQ(thread_subject_tag("[IT #6] x", "IT_2", &n), 0);
	/* unusable tags never match */
	T_INTEQ(thread_subject_tag("[IT #6] x", "", &n), 0);
	T_INTEQ(thread_subject_tag("[IT #6] x", NULL, &n), 0);
	T_INTEQ(thread_subject_tag("[I T #6] x", "I T", &n), 0);
	T_INTEQ(thread_subject_tag(NULL, "IT", &n), 0);
	/* number may be NULL */
	T_INTEQ(thread_subject_tag("[IT #6] x", "IT", NULL), 1);
}

static const struct {
	const char *subject, *want;
} clean_tab[] = {
	{ "Re: AW: [IT #42] Drucker", "Drucker" },
	{ "[IT #42] Printer on 3rd floor", "Printer on 3rd floor" },
	{ "Re: [IT #42] Printer on 3rd floor", "Printer on 3rd floor" },
	{ "RE: Fwd: FW: AW: WG: SV: VS: Antw: Rif: R: RV: Doorst: x", "x" },
	{ "Tr: TR: Enc: ENC: Ynt: YNT: Odp: PD: RES: R\xc3\xa9""f: x", "x" },
	{ "R\xc3\x89""F : x", "x" },
	{ "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a\xe7\xad\x94\xe5\xa4\x8d:"
	  "\xe5\x9b\x9e\xe8\xa6\x86\xef\xbc\x9a\xe8\xbd\xac\xe5\x8f\x91:"
	  "\xe8\xbb\xa2\xe9\x80\x81:\xe8\xbf\x94\xe4\xbf\xa1\xef\xbc\x9a"
	  "\xe6\x89\x93\xe5\x8d\xb0\xe6\x9c\xba",
	  "\xe6\x89\x93\xe5\x8d\xb0\xe6\x9c\xba" },
	{ "Re[2]: Re(3): RE^2: Re [4] : x", "x" },
	{ "rE: fWd: x", "x" },
	{ "AW: [IT #42] Re: Drucker", "Drucker" },
	{ "[IT #42] [IT #42] Re: x", "x" },
	{ "Drucker [IT #42]", "Drucker" },
	{ "Drucker [IT #42] kaputt", "Drucker kaputt" },
	{ "Re: Drucker (IT #42)", "Drucker" },
	{ "Re: Drucker IT #42", "Drucker" },
	{ "[IT #41] duplicate of IT #40", "duplicate of IT #40" },
	{ "Re: [HR #42] Urlaub", "[HR #42] Urlaub" },
	{ "  Re:   lots   of\t\tspace  ", "lots of space" },
	{ "Re:\r\n folded", "folded" },
	{ "Re: Rebooting: server", "Rebooting: server" },
	{ "Results: Q3", "Results: Q3" },
	{ "Re: Re: AW:", "(no subject)" },
	{ "[IT #42]", "(no subject)" },
	{ "Re: [IT #42]", "(no subject)" },
	{ "", "(no subject)" },
	{ "   ", "(no subject)" },
	{ "SPLIT #42 view", "SPLIT #42 view" },
	{ "Re: [IT #0] zero", "[IT #0] zero" },
	{ "Fwd: Re: Printer\xc2\xa0\xc2\xa0jammed", "Printer jammed" },
	{ "caf\xc3\xa9 \xff\xfe bytes", "caf\xc3\xa9 \xff\xfe bytes" },
};

static void
test_clean_subject(void)
{
	size_t i;
	char *s;

	for (i = 0; i < sizeof(clean_tab) / sizeof(clean_tab[0]); i++) {
		s = thread_clean_subject(clean_tab[i].subject, "IT");
		if (strcmp(s, clean_tab[i].want) != 0) {
			fprintf(stderr, "# case %zu\n", i);
			T_STREQ(s, clean_tab[i].want);
		}
		free(s);
	}
	s = thread_clean_subject(NULL, "IT");
	T_STREQ(s, "(no subject)");
	free(s);
	s = thread_clean_subject("Re: [IT #4] x", NULL);
	T_STREQ(s, "[IT #4] x");
	free(s);
}

static const struct {
	const char	*addr;
	int		 want;
	long long	 number;
} sub_tab[] = {
	{ "it+42@corp.example", THREAD_SUB_TICKET, 42 },
	{ "IT+42@CORP.EXAMPLE", THREAD_SUB_TICKET, 42 },
	{ "it+0042@corp.example", THREAD_SUB_TICKET, 42 },
	{ "it+1000000000000@corp.example", THREAD_SUB_TICKET, 1000000000000LL },
	{ "it+control@corp.example", THREAD_SUB_CONTROL, 0 },
	{ "it+CONTROL@Corp.Example", THREAD_SUB_CONTROL, 0 },
	{ "it@corp.example", 0, 0 },
	{ "it+@corp.example", 0, 0 },
	{ "it+0@corp.example", 0, 0 },
	{ "it+abc@corp.example", 0, 0 },
	{ "it+42+x@corp.example", 0, 0 },
	{ "it+-1@corp.example", 0, 0 },
	{ "it+1000000000001@corp.example", 0, 0 },
	{ "it+99999999999999999999@corp.example", 0, 0 },
	{ "it+42@other.example", 0, 0 },
	{ "it+42@corp.example.evil", 0, 0 },
	{ "it+42@sub.corp.example", 0, 0 },
	{ "hr+42@corp.example", 0, 0 },
	{ "xit+42@corp.example", 0, 0 },
	{ "it+controls@corp.example", 0, 0 },
	{ "it+42", 0, 0 },
	{ "it+42@", 0, 0 },
	{ "", 0, 0 },
	{ "@", 0, 0 },
	{ "it+42@corp.example@corp.example", 0, 0 },
	{ "it+4 2@corp.example", 0, 0 },
};

static void
test_subaddress(void)
{
	size_t i;
	long long n;
	int r;

	for (i = 0; i < sizeof(sub_tab) / sizeof(sub_tab[0]); i++) {
		n = -7;
		r = thread_subaddress(sub_tab[i].addr, "it@corp.example", &n);
		if (r != sub_tab[i].want || (r == THREAD_SUB_TICKET &&
		    n != sub_tab[i].number)) {
			fprintf(stderr, "# case %zu \"%s\": r %d n %lld\n", i,
			    sub_tab[i].addr, r, n);
			T_CHECK(0);
		}
	}
	T_INTEQ(thread_subaddress("It+7@Corp.Example", "IT@corp.EXAMPLE", &n),
	    THREAD_SUB_TICKET);
	T_INTEQ(n, 7);
	T_INTEQ(thread_subaddress("it+7@corp.example", "it", &n), 0);
	T_INTEQ(thread_subaddress("it+7@corp.example", "@corp.example", &n), 0);
	T_INTEQ(thread_subaddress("it+7@corp.example", "it@", &n), 0);
	T_INTEQ(thread_subaddress(NULL, "it@corp.example", &n), 0);
	T_INTEQ(thread_subaddress("it+7@corp.example", NULL, &n), 0);
	T_INTEQ(thread_subaddress("it+7@corp.example", "it@corp.example",
	    NULL), THREAD_SUB_TICKET);
}

/* Fill a heap string with n bytes repeating pat; NUL-terminated. */
static char *
repeat(const char *pat, size_t n)
{
	size_t pl = strlen(pat), i;
	char *s;

	s = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		s[i] = pat[i % pl];
	s[n] = '\0';
	return s;
}

static void
test_hostile(void)
{
	static const char *const pats[] = { "[", "Re: ", "IT #", "IT ", "#",
	    "[IT #", "IT #0", "0", "Re[", "Re[1", "\xff", "\xe5\x9b",
	    "IT IT IT #", "Re: [IT #42] ", "SPLIT #1 " };
	size_t i, sizes[] = { 10 * 1024, 1024 * 1024 };
	size_t k;
	long long n;
	char *s, *c;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
			s = repeat(pats[i], sizes[k]);
			(void)thread_subject_tag(s, "IT", &n);
			c = thread_clean_subject(s, "IT");
			T_CHECK(c != NULL && strlen(c) <= sizes[k] + 12);
			free(c);
			free(s);
		}
	}
	/* 10 kB of "Re: " leaves nothing */
	s = repeat("Re: ", 10 * 1024);
	c = thread_clean_subject(s, "IT");
	T_STREQ(c, "(no subject)");
	free(c);
	free(s);
	/* 1 MB of "[": no tag, nothing removed */
	s = repeat("[", 1024 * 1024);
	T_INTEQ(thread_subject_tag(s, "IT", &n), 0);
	c = thread_clean_subject(s, "IT");
	T_INTEQ(strlen(c), 1024 * 1024);
	free(c);
	free(s);
	/* 1 MB of digits after the tag: too big */
	s = repeat("9", 1024 * 1024);
	memcpy(s, "IT #", 4);
	T_INTEQ(thread_subject_tag(s, "IT", &n), 0);
	free(s);
	/* the tag after 1 MB of prefixes and spaces is still found */
	s = repeat("Re: ", 1024 * 1024);
	memcpy(s + 1024 * 1024 - 12, "[IT #77] end", 12);
	T_INTEQ(thread_subject_tag(s, "IT", &n), 1);
	T_INTEQ(n, 77);
	c = thread_clean_subject(s, "IT");
	T_STREQ(c, "end");
	free(c);
	free(s);
	/* garbage bytes 1..255 (no NUL), repeated */
	s = xmalloc(255 * 64 + 1);
	for (i = 0; i < 255 * 64; i++)
		s[i] = (char)(1 + (i * 7) % 255);
	s[255 * 64] = '\0';
	(void)thread_subject_tag(s, "IT", &n);
	c = thread_clean_subject(s, "IT");
	T_CHECK(c != NULL);
	free(c);
	free(s);
}

/* Cleaning valid UTF-8 never makes it invalid (cuts at ASCII only). */
static void
test_clean_utf8(void)
{
	static const char *const tab[] = {
		"Re: \xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a[IT #1]\xe3\x80\x80x",
		"\xe3\x80\x80Re\xef\xbc\x9a\xe3\x80\x80[IT #1] \xc3\xa9t\xc3\xa9",
		"[IT #1]\xc2\xa0\xc3\xa9",
	};
	size_t i;
	char *c;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		c = thread_clean_subject(tab[i], "IT");
		T_CHECK(charset_utf8_valid(c, strlen(c)));
		free(c);
	}
	c = thread_clean_subject(tab[1], "IT");
	T_STREQ(c, "\xc3\xa9t\xc3\xa9");
	free(c);
}

int
main(void)
{
	T_RUN(test_subject_tag);
	T_RUN(test_subject_tag_other_tags);
	T_RUN(test_clean_subject);
	T_RUN(test_subaddress);
	T_RUN_HEAVY(test_hostile);
	T_RUN(test_clean_utf8);
	return T_END();
}
