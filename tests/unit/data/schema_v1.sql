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
	created_at	INTEGER NOT NULL
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
	closed_at	INTEGER
);
CREATE INDEX tickets_status ON tickets(status);
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
	-- what became of it: a new ticket, or kept without one (why in note)
	disposition	TEXT NOT NULL
			CHECK (disposition IN ('ticket', 'failed', 'ignored')),
	ticket_number	INTEGER REFERENCES tickets(number),
	note		TEXT
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
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'sent', 'failed')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	last_error	TEXT,
	-- a sender holds a row until lease_until while it sends it, so the
	-- daemon and a --stdin run never send the same notice twice
	lease_until	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	sent_at		INTEGER
);
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
