/*
 * fuzz_fields.c — what a requester writes that sets ticket fields or
 * names a ticket: the subject tags ("[high] [hardware/printer] [@bob]",
 * fields_from_subject), the pseudo-headers at the top of a body
 * ("Priority: high", fields_from_body), the building blocks command.c
 * shares (fields_parse_*, fields_is_addr), and the ticket tag of a reply
 * (thread_subject_tag, thread_clean_subject, thread_subaddress).
 *
 * Properties (fields.h, thread.h): offsets inside the input, values
 * valid UTF-8, titles without control bytes or runs of spaces, a
 * priority one of the four, a category lower-cased, an address
 * fields_is_addr() accepts is one line.
 */
#include <ctype.h>

#include "charset.h"
#include "config.h"
#include "fields.h"
#include "thread.h"

#include "fuzz.h"

static char *hw_subs[] = { "printer", "laptop" };
static const struct config_category cats[] = {
	{ "hardware", hw_subs, 2 },
	{ "network", NULL, 0 },
	{ "software", NULL, 0 },
};

static void
check_str(const char *s)
{
	if (s != NULL)
		fuzz_check(charset_utf8_valid(s, strlen(s)));
}

static void
check_fields(const struct fields *f)
{
	const char *p;

	fuzz_check(f->priority >= FIELDS_PRIO_NONE &&
	    f->priority <= FIELDS_PRIO_LOW);
	for (p = f->category; p != NULL && *p != '\0'; p++)
		fuzz_check(!isupper((unsigned char)*p));
	fuzz_check(f->subcategory == NULL || f->category != NULL);
	check_str(f->category);
	check_str(f->subcategory);
	check_str(f->admin);
	check_str(f->bad_priority);
	check_str(f->bad_category);
	check_str(f->bad_admin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fields f;
	char *p, *s, *title = NULL, *cat, *sub, *a;
	size_t rest, i;
	long long number;

	p = fuzz_dup(data, size);
	fields_init(&f);
	fields_from_subject(p, size, cats, sizeof(cats) / sizeof(cats[0]),
	    &f, &title);
	fuzz_check(title != NULL);
	fuzz_check(strlen(title) <= size);
	/* controls became spaces, runs collapsed, trimmed */
	for (i = 0; title[i] != '\0'; i++)
		fuzz_check((unsigned char)title[i] >= 0x20 &&
		    title[i] != 0x7f);
	fuzz_check(strstr(title, "  ") == NULL);
	fuzz_check(title[0] != ' ' && (i == 0 || title[i - 1] != ' '));
	check_fields(&f);
	free(title);
	fields_from_body(p, size, &f, &rest);
	fuzz_check(rest <= size);
	check_fields(&f);
	fields_clear(&f);

	fields_parse_priority(p, size);
	if (fields_parse_category(p, size, &cat, &sub) == 0) {
		check_str(cat);
		check_str(sub);
		free(cat);
		free(sub);
	}
	if ((a = fields_parse_admin(p, size)) != NULL) {
		check_str(a);
		free(a);
	}
	if (fields_is_addr(p, size)) {
		for (i = 0; i < size; i++)
			fuzz_check((unsigned char)p[i] > ' ' &&
			    p[i] != 0x7f);
		fuzz_check(charset_utf8_valid(p, size));
	}

	s = fuzz_strndup(data, size);
	if (thread_subject_tag(s, "IT", &number))
		fuzz_check(number > 0);
	free(thread_clean_subject(s, "IT"));
	if (thread_subaddress(s, "it@corp.example", &number) ==
	    THREAD_SUB_TICKET)
		fuzz_check(number > 0);
	free(s);
	free(p);
	return 0;
}
