/* mail.c — the parsed mail's lifetime. */
#include <stdlib.h>
#include <string.h>

#include "mail.h"

void
mail_clear(struct mail *m)
{
	size_t i;

	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nrefs; i++)
		free(m->references[i]);
	free(m->references);
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to);
	free(m->return_path);
	free(m->x_loop);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->subject);
	free(m->body);
	memset(m, 0, sizeof(*m));
}
