/* mail.c — the parsed mail's lifetime. */
#include <stdlib.h>
#include <string.h>

#include "mail.h"

static void
mail_addrs_free(struct mail_addr *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].addr);
		free(a[i].name);
	}
	free(a);
}

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
	for (i = 0; i < m->nx_loops; i++)
		free(m->x_loops[i]);
	free(m->x_loops);
	for (i = 0; i < m->nfields; i++) {
		free(m->fields[i].name);
		free(m->fields[i].value);
	}
	free(m->fields);
	for (i = 0; i < m->nlist_addrs; i++)
		free(m->list_addrs[i]);
	free(m->list_addrs);
	free(m->auto_submitted);
	free(m->precedence);
	for (i = 0; i < m->nauthres; i++)
		free(m->authres[i].value);
	free(m->authres);
	free(m->subject);
	free(m->body);
	for (i = 0; i < m->nparts; i++) {
		free(m->parts[i].filename);
		free(m->parts[i].media_type);
		free(m->parts[i].content_id);
		free(m->parts[i].data);
	}
	free(m->parts);
	mail_addrs_free(m->to, m->nto);
	mail_addrs_free(m->cc, m->ncc);
	mail_addrs_free(m->delivered_to, m->ndelivered_to);
	free(m->report_msgid);
	free(m->report_rcpt);
	free(m->report_action);
	memset(m, 0, sizeof(*m));
}
