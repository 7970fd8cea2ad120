-- ticketd database schema — the one source of it.
-- `ticketctl init` runs this whole file on a new database and then sets
-- PRAGMA user_version to SCHEMA_VERSION (src/db.c). A change here comes with
-- a migration step in src/db.c that brings an older database to the same
-- shape; nobody's database is ever dropped.

-- Everyone the desk has seen: requesters, admins, root admins.
CREATE TABLE people (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name		TEXT,
	role		TEXT NOT NULL DEFAULT 'user'
			CHECK (role IN ('user', 'admin', 'root', 'blocked')),
	created_at	INTEGER NOT NULL,
	-- v2: a notice to this address bounced; no notices until they write again
	bouncing_since	INTEGER,
	-- v2: when the role was last set by config seeding or a command; the
	-- config's root_admins/admins only seed people whose role was never set
	role_set_at	INTEGER,
	-- v2: admins: categories they cover ("hardware, network"; NULL = all),
	-- away (until a time; 0 = until they are back), last assignment
	skills		TEXT,
	away_until	INTEGER,
	last_assigned	INTEGER,
	-- v2: let in from outside allow_domains by a root admin's grant; when
	-- the last access-denied notice went out (one a day at most)
	granted		INTEGER NOT NULL DEFAULT 0,
	denied_at	INTEGER,
	-- v3: a mailing list's or a robot's address (List-Post, no-reply@…):
	-- never sent a notice, whatever it is a participant of
	no_reply	INTEGER NOT NULL DEFAULT 0,
	-- v11: how many tickets are assigned to them now (status 'assigned'),
	-- kept by the triggers people_assigned_* so that assigning a ticket
	-- reads each admin's load instead of counting their tickets
	assigned_n	INTEGER NOT NULL DEFAULT 0
);

-- Tickets. Numbers are sequential and never reused (AUTOINCREMENT).
CREATE TABLE tickets (
	number		INTEGER PRIMARY KEY AUTOINCREMENT,
	subject		TEXT NOT NULL,
	body		TEXT NOT NULL,
	requester_id	INTEGER NOT NULL REFERENCES people(id),
	assignee_id	INTEGER REFERENCES people(id),
	status		TEXT NOT NULL DEFAULT 'open'
			CHECK (status IN ('open', 'assigned', 'resolved', 'rejected')),
	priority	TEXT NOT NULL DEFAULT 'low'
			CHECK (priority IN ('high', 'medium', 'low')),
	category	TEXT,
	subcategory	TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	closed_at	INTEGER,
	-- v2: opened by a reply to this ticket from someone not on it
	linked_to	INTEGER REFERENCES tickets(number),
	-- v2: when it was last assigned, and how often it changed hands
	assigned_at	INTEGER,
	handovers	INTEGER NOT NULL DEFAULT 0,
	-- v2: /publish: offered to the knowledge base, under this title
	published	INTEGER NOT NULL DEFAULT 0,
	kb_title	TEXT,
	-- v4: the SLA clock. due_at: when it must be resolved by (NULL: not
	-- computed yet, 0: its priority has no target); warn_at: when the
	-- assignee is warned; warned_at, breached_at: when that happened
	-- (once each); sla_reason: the admin's /reason for a breach
	due_at		INTEGER,
	warn_at		INTEGER,
	warned_at	INTEGER,
	breached_at	INTEGER,
	sla_reason	TEXT
);
CREATE INDEX tickets_status ON tickets(status);
CREATE INDEX tickets_due ON tickets(due_at)
	WHERE status IN ('open', 'assigned') AND breached_at IS NULL;
-- v9: the open tickets whose assignee is still to be warned, by warning
-- time, so the SLA sweep and its timer seek instead of walking every open
-- ticket (a full walk was a third of a `ticketd --stdin` run at 7,500 open
-- tickets).
CREATE INDEX tickets_warn ON tickets(warn_at)
	WHERE status IN ('open', 'assigned') AND warned_at IS NULL AND breached_at IS NULL;
CREATE INDEX tickets_requester ON tickets(requester_id);

-- Every mail taken in, with its raw bytes. message_id is the mail's
-- Message-ID without <>, or "sha256:<hex>" of its bytes when it has none:
-- UNIQUE, so the same mail never makes a second ticket.
CREATE TABLE mails (
	id		INTEGER PRIMARY KEY,
	message_id	TEXT NOT NULL UNIQUE,
	received_at	INTEGER NOT NULL,
	source		TEXT NOT NULL CHECK (source IN ('imap', 'stdin')),
	uidvalidity	INTEGER,
	uid		INTEGER,
	from_addr	TEXT,
	from_name	TEXT,
	subject		TEXT,
	size		INTEGER NOT NULL,
	raw		BLOB NOT NULL,
	-- what became of it: taken into a ticket (as the ticket or a comment
	-- on it), or kept without one (why in note)
	disposition	TEXT NOT NULL
			CHECK (disposition IN ('ticket', 'failed', 'ignored')),
	ticket_number	INTEGER REFERENCES tickets(number),
	note		TEXT,
	-- v9: how raw is kept: 0 the bytes as they came; + 1 compressed with
	-- zlib (src/zpack.h); + 2 the base64 text of its attachments is a
	-- reference to their blobs (notice_unref in src/notice.h). size is
	-- always the mail's own size. `ticketctl mail ID` writes it whole.
	raw_form	INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mails_ticket ON mails(ticket_number);

-- Every Message-ID the desk received or sent for a ticket, for threading
-- replies by In-Reply-To/References.
CREATE TABLE ticket_msgids (
	message_id	TEXT PRIMARY KEY,
	ticket_number	INTEGER NOT NULL REFERENCES tickets(number)
) WITHOUT ROWID;

-- Transactional outbox: a notice is written in the same transaction as the
-- change that caused it, then sent by SMTP with retry and backoff.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	ticket_number	INTEGER REFERENCES tickets(number),
	kind		TEXT NOT NULL,
	message_id	TEXT NOT NULL UNIQUE,
	mail_from	TEXT NOT NULL,
	rcpt_to		TEXT NOT NULL,
	message		BLOB NOT NULL,
	-- pending: to send; sent; failed: refused for good (last_error);
	-- v3: suppressed: never sent, last_error says why (rate limit,
	-- bouncing, a list address); held: an admin's notice over the rate
	-- limit, waiting for the next digest; coalesced: went out inside the
	-- digest notice digest_id
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'sent', 'failed',
			    'suppressed', 'held', 'coalesced')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	last_error	TEXT,
	-- a sender holds a row until lease_until while it sends it, so the
	-- daemon and a --stdin run never send the same notice twice
	lease_until	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	sent_at		INTEGER,
	-- v2: a bounce of this notice came back
	bounced_at	INTEGER,
	bounce_reason	TEXT,
	-- v3: the digest this held notice went out in
	digest_id	INTEGER REFERENCES outbox(id),
	-- v6: the sender holding lease_until ("HOST BOOT PIDNS PID START",
	-- src/lease.h): a lease whose holder is gone (killed) is free at once
	lease_holder	TEXT,
	-- v9: how message is kept: 0 as it is sent; + 1 compressed with zlib
	-- (src/zpack.h); + 2 its images are references to blobs, put back as
	-- base64 when it is sent (notice_unref in src/notice.h)
	form		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_held ON outbox(rcpt_to) WHERE status = 'held';
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

-- Audit trail: every state change of a ticket.
CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	ticket_number	INTEGER REFERENCES tickets(number),
	at		INTEGER NOT NULL,
	actor_id	INTEGER REFERENCES people(id),
	kind		TEXT NOT NULL,
	detail		TEXT
);
CREATE INDEX events_ticket ON events(ticket_number);

-- v2: every reply threaded into a ticket.
CREATE TABLE comments (
	id		INTEGER PRIMARY KEY,
	ticket_number	INTEGER NOT NULL REFERENCES tickets(number),
	author_id	INTEGER REFERENCES people(id),
	mail_id		INTEGER REFERENCES mails(id),
	body		TEXT NOT NULL,	-- what the author wrote: quotes, signature stripped
	full_body	TEXT NOT NULL,	-- the whole text of the mail
	internal	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_number);

-- v2: who is on a ticket and hears about it.
CREATE TABLE participants (
	ticket_number	INTEGER NOT NULL REFERENCES tickets(number),
	person_id	INTEGER NOT NULL REFERENCES people(id),
	role		TEXT NOT NULL
			CHECK (role IN ('requester', 'assignee', 'cc')),
	added_at	INTEGER NOT NULL,
	PRIMARY KEY (ticket_number, person_id)
) WITHOUT ROWID;
CREATE INDEX participants_person ON participants(person_id);

-- v2: attachment bytes, stored once however often they arrive. Never
-- changed or deleted: stored mails and notices refer to them (v9).
CREATE TABLE blobs (
	id		INTEGER PRIMARY KEY,
	sha256		TEXT NOT NULL UNIQUE,
	size		INTEGER NOT NULL,
	data		BLOB NOT NULL
);

-- v2: attachments and inline parts of a ticket's mails.
CREATE TABLE attachments (
	id		INTEGER PRIMARY KEY,
	ticket_number	INTEGER NOT NULL REFERENCES tickets(number),
	comment_id	INTEGER REFERENCES comments(id),	-- NULL: the first mail
	mail_id		INTEGER REFERENCES mails(id),
	blob_id		INTEGER REFERENCES blobs(id),		-- NULL: not kept
	filename	TEXT NOT NULL,
	media_type	TEXT NOT NULL,
	content_id	TEXT,
	size		INTEGER NOT NULL,
	is_image	INTEGER NOT NULL DEFAULT 0,
	is_inline	INTEGER NOT NULL DEFAULT 0,
	note		TEXT		-- why the bytes were not kept, or where from
);
CREATE INDEX attachments_ticket ON attachments(ticket_number);

CREATE INDEX outbox_rcpt ON outbox(rcpt_to, created_at);

-- v2: mails from senders the desk does not let in, kept until a grant
-- (or, v3, a release of a flood) turns them into tickets.
CREATE TABLE access_requests (
	id		INTEGER PRIMARY KEY,
	mail_id		INTEGER NOT NULL REFERENCES mails(id),
	person_id	INTEGER NOT NULL REFERENCES people(id),
	created_at	INTEGER NOT NULL,
	granted_at	INTEGER,
	ticket_number	INTEGER REFERENCES tickets(number),
	-- v3: access: a sender outside allow_domains; flood: a sender over
	-- max_new_tickets_per_hour, released by an admin
	kind		TEXT NOT NULL DEFAULT 'access'
			CHECK (kind IN ('access', 'flood'))
);
CREATE INDEX access_requests_person ON access_requests(person_id);

-- v4: small facts the daemon keeps between runs ("digest_day": the local
-- day the last daily digest went out).
CREATE TABLE desk_state (
	name		TEXT PRIMARY KEY,
	value		TEXT
) WITHOUT ROWID;

-- v5 (the web page): full-text search over tickets and comments, the
-- totals and the indexes the dashboard reads. The FTS5 tables hold only the index (their
-- text stays in tickets and comments: external content) and are kept
-- current by the triggers below; a migration that rebuilds tickets or
-- comments must create these triggers again and run 'rebuild'.
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, body,
	content='tickets', content_rowid='number',
	tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE comments_fts USING fts5(body,
	content='comments', content_rowid='id',
	tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO tickets_fts (rowid, subject, body)
	    VALUES (new.number, new.subject, new.body);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, body ON tickets
BEGIN
	INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)
	    VALUES ('delete', old.number, old.subject, old.body);
	INSERT INTO tickets_fts (rowid, subject, body)
	    VALUES (new.number, new.subject, new.body);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
	INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)
	    VALUES ('delete', old.number, old.subject, old.body);
END;
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
	INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments BEGIN
	INSERT INTO comments_fts (comments_fts, rowid, body)
	    VALUES ('delete', old.id, old.body);
	INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
	INSERT INTO comments_fts (comments_fts, rowid, body)
	    VALUES ('delete', old.id, old.body);
END;
-- v11: the admins and root admins, found without reading every requester
CREATE INDEX people_staff ON people(role) WHERE role IN ('admin', 'root');
-- v11: each person's assigned tickets (people.assigned_n)
CREATE TRIGGER people_assigned_insert AFTER INSERT ON tickets
    WHEN new.status = 'assigned' AND new.assignee_id IS NOT NULL BEGIN
	UPDATE people SET assigned_n = assigned_n + 1
	    WHERE id = new.assignee_id;
END;
CREATE TRIGGER people_assigned_update AFTER UPDATE OF status, assignee_id
    ON tickets WHEN (old.status = 'assigned') != (new.status = 'assigned')
    OR old.assignee_id IS NOT new.assignee_id BEGIN
	UPDATE people SET assigned_n = assigned_n - 1
	    WHERE old.status = 'assigned' AND id = old.assignee_id;
	UPDATE people SET assigned_n = assigned_n + 1
	    WHERE new.status = 'assigned' AND id = new.assignee_id;
END;
CREATE TRIGGER people_assigned_delete AFTER DELETE ON tickets
    WHEN old.status = 'assigned' AND old.assignee_id IS NOT NULL BEGIN
	UPDATE people SET assigned_n = assigned_n - 1
	    WHERE id = old.assignee_id;
END;
-- The dashboard's totals by priority and status, kept by triggers so that
-- they are read, not counted, on a desk of 100,000 tickets.
CREATE TABLE ticket_counts (
	priority	TEXT NOT NULL,
	status		TEXT NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (priority, status)
) WITHOUT ROWID;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO ticket_counts (priority, status, n)
	    VALUES (new.priority, new.status, 1)
	    ON CONFLICT (priority, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF priority, status
    ON tickets WHEN old.priority != new.priority OR old.status != new.status
BEGIN
	UPDATE ticket_counts SET n = n - 1
	    WHERE priority = old.priority AND status = old.status;
	INSERT INTO ticket_counts (priority, status, n)
	    VALUES (new.priority, new.status, 1)
	    ON CONFLICT (priority, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
	UPDATE ticket_counts SET n = n - 1
	    WHERE priority = old.priority AND status = old.status;
END;
-- opened and closed per day, resolution times (covering: no table reads),
-- each admin's load and last action, the ticket list's filters
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_closed ON tickets(closed_at, status, priority,
	assignee_id, created_at) WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_assignee ON tickets(assignee_id, status, closed_at,
	created_at);
CREATE INDEX tickets_priority ON tickets(priority, status);
CREATE INDEX tickets_category ON tickets(category, subcategory);
CREATE INDEX events_actor ON events(actor_id, at);
CREATE INDEX mails_from ON mails(from_addr COLLATE NOCASE, received_at);
-- /metrics: the notices not sent yet, without reading the sent ones
CREATE INDEX outbox_unsent ON outbox(status) WHERE status != 'sent';
-- v6: a notice waits for the older pending ones to the same recipient
-- (notices reach a person in the order they were written)
CREATE INDEX outbox_pending_rcpt ON outbox(rcpt_to, id)
	WHERE status = 'pending';
-- v10 (issue 13): the last notice of a ticket to one recipient, which the
-- next one answers (db_thread_ids), without reading every notice that
-- person was ever sent
CREATE INDEX outbox_ticket ON outbox(ticket_number, rcpt_to, id);

-- v7 (issue 11): the knowledge base, self-help and the category classifier.
-- category_guessed: the category came from the classifier, not a person
-- (an admin's /category clears it); self_help: closed by the requester's
-- /solved (status resolved, counted apart from the admins' work).
ALTER TABLE tickets ADD COLUMN category_guessed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN self_help INTEGER NOT NULL DEFAULT 0;
-- Articles made from resolved tickets (/publish, ticketctl kb publish):
-- problem and answer as first built (personal data left out), body the
-- Markdown shown on /kb/N (the admin's /kb edit replaces it); every
-- version is kept in article_versions.
CREATE TABLE articles (
	id		INTEGER PRIMARY KEY,
	ticket_number	INTEGER UNIQUE REFERENCES tickets(number),
	title		TEXT NOT NULL,
	problem		TEXT NOT NULL,
	answer		TEXT NOT NULL,
	body		TEXT NOT NULL,
	category	TEXT,
	status		TEXT NOT NULL DEFAULT 'published'
			CHECK (status IN ('published', 'withdrawn')),
	author_id	INTEGER REFERENCES people(id),
	version		INTEGER NOT NULL DEFAULT 1,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX articles_status ON articles(status, category);
CREATE TABLE article_versions (
	article_id	INTEGER NOT NULL REFERENCES articles(id),
	version		INTEGER NOT NULL,
	title		TEXT NOT NULL,
	body		TEXT NOT NULL,
	author_id	INTEGER REFERENCES people(id),
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (article_id, version)
) WITHOUT ROWID;
-- the ticket's images shown with the article
CREATE TABLE article_images (
	article_id	INTEGER NOT NULL REFERENCES articles(id),
	attachment_id	INTEGER NOT NULL REFERENCES attachments(id),
	PRIMARY KEY (article_id, attachment_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE articles_fts USING fts5(title, body,
	content='articles', content_rowid='id',
	tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
	INSERT INTO articles_fts (rowid, title, body)
	    VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles
BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, body)
	    VALUES ('delete', old.id, old.title, old.body);
	INSERT INTO articles_fts (rowid, title, body)
	    VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, body)
	    VALUES ('delete', old.id, old.title, old.body);
END;
-- Labelled texts from a training file (ticketctl classify --train); the
-- desk's own resolved tickets are read from tickets at each training.
CREATE TABLE classifier_examples (
	id		INTEGER PRIMARY KEY,
	text		TEXT NOT NULL,
	category	TEXT NOT NULL,
	added_at	INTEGER NOT NULL
);
-- The trained model (classifier.c's format), one row.
CREATE TABLE classifier_model (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	trained_at	INTEGER NOT NULL,
	examples	INTEGER NOT NULL,
	model		BLOB NOT NULL
);

-- v8 (issue 15): IT assets. A device (or a licence) with a unique tag
-- ("LAP-0042", upper-cased), its type (one of [assets] types), model,
-- serial, owner (NULL: in stock), status, dates ("YYYY-MM-DD") and notes.
CREATE TABLE assets (
	id		INTEGER PRIMARY KEY,
	tag		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	type		TEXT NOT NULL,
	model		TEXT NOT NULL DEFAULT '',
	serial		TEXT,
	owner_id	INTEGER REFERENCES people(id),
	status		TEXT NOT NULL DEFAULT 'in-stock'
			CHECK (status IN ('in-use', 'in-stock', 'in-repair',
			    'retired')),
	purchased	TEXT,
	warranty_end	TEXT,
	notes		TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX assets_owner ON assets(owner_id, type);
CREATE INDEX assets_warranty ON assets(warranty_end);
-- Every change of an asset, with who made it and when (its history):
-- actor is the address of the mail's sender or "ticketctl (USER)";
-- owner_id is the owner after an added/given/returned/changed event (the
-- owner history).
CREATE TABLE asset_events (
	id		INTEGER PRIMARY KEY,
	asset_id	INTEGER NOT NULL REFERENCES assets(id),
	at		INTEGER NOT NULL,
	actor_id	INTEGER REFERENCES people(id),
	actor		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	detail		TEXT,
	owner_id	INTEGER REFERENCES people(id)
);
CREATE INDEX asset_events_asset ON asset_events(asset_id, id);
-- The device a ticket is about (one per ticket), and how it was named:
-- the requester's Asset: pseudo-header or [TAG] in the subject, the
-- category's automatic link, or an admin's /asset.
CREATE TABLE ticket_assets (
	ticket_number	INTEGER PRIMARY KEY REFERENCES tickets(number),
	asset_id	INTEGER NOT NULL REFERENCES assets(id),
	how		TEXT NOT NULL
			CHECK (how IN ('header', 'subject', 'auto', 'admin',
			    'ticketctl')),
	linked_at	INTEGER NOT NULL
);
CREATE INDEX ticket_assets_asset ON ticket_assets(asset_id, ticket_number);
