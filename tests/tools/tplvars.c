/*
 * tplvars — the notice templates and the variables the code gives each,
 * from the one table of them (pipeline_templates in pipeline.c), for
 * tests/integration/test_templates.py: one line per template, its name
 * then its variables, separated by spaces.
 *
 *	tplvars
 */
#include <stdio.h>

#include "pipeline.h"

int
main(void)
{
	const struct pipeline_template *t;
	size_t i;

	for (t = pipeline_templates; t->name != NULL; t++) {
		printf("%s", t->name);
		for (i = 0; t->vars[i] != NULL; i++)
			printf(" %s", t->vars[i]);
		printf("\n");
	}
	return ferror(stdout) ? 1 : 0;
}
