-- Clerk accounts and their authorities, log-in sessions, personal API tokens, the log-in
-- back-off, answer templates, and what the clerk workflow and the service promise keep on a
-- report.

-- A clerk (one or more authorities) or an admin (all). Emails are stored lower-cased.
create table accounts (
  id blob primary key,
  email text not null constraint accounts_email_key unique,
  display_name text not null,
  -- argon2id in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
  password_hash text not null,
  is_admin boolean not null,
  active boolean not null,
  created_at text not null,
  password_changed_at text not null
);

create table account_authorities (
  account_id blob not null constraint account_authorities_account_fk references accounts (id) on delete cascade,
  authority_key text not null constraint account_authorities_authority_fk references authorities (key),
  constraint account_authorities_pk primary key (account_id, authority_key)
);
create index account_authorities_authority_idx on account_authorities (authority_key);

-- A log-in session. The cookie holds a random secret; only its SHA-256 is stored, so a copy of
-- the database lets nobody in. `csrf_token` must come back in `X-CSRF-Token` on every
-- state-changing request made with the cookie.
create table sessions (
  secret_hash text primary key,
  account_id blob not null constraint sessions_account_fk references accounts (id) on delete cascade,
  csrf_token text not null,
  created_at text not null,
  last_seen_at text not null,
  expires_at text not null
);
create index sessions_account_idx on sessions (account_id);

-- A personal API token (scripts, field apps): hashed like sessions, revocable.
create table api_tokens (
  id blob primary key,
  account_id blob not null constraint api_tokens_account_fk references accounts (id) on delete cascade,
  name text not null,
  secret_hash text not null constraint api_tokens_secret_key unique,
  created_at text not null,
  last_used_at text,
  revoked_at text
);
create index api_tokens_account_idx on api_tokens (account_id);

-- Failed log-ins per (lower-cased) email, known or not, so the back-off tells nobody whether
-- an account exists.
create table login_failures (
  email text primary key,
  failures integer not null,
  blocked_until text not null,
  last_failure_at text not null
);

-- The default public answer per status and language; admins edit them.
create table answer_templates (
  status text not null constraint answer_templates_status check (status in ('in_progress', 'resolved', 'closed')),
  language text not null constraint answer_templates_language check (language in ('de', 'en')),
  body text not null,
  updated_at text not null,
  constraint answer_templates_pk primary key (status, language)
);
insert into answer_templates (status, language, body, updated_at) values
  ('in_progress', 'de', 'Vielen Dank für Ihre Meldung. Wir kümmern uns darum.', '2026-01-01T00:00:00Z'),
  ('in_progress', 'en', 'Thank you for your report. We are taking care of it.', '2026-01-01T00:00:00Z'),
  ('resolved', 'de', 'Das gemeldete Problem ist behoben. Vielen Dank für Ihren Hinweis.', '2026-01-01T00:00:00Z'),
  ('resolved', 'en', 'The reported problem has been fixed. Thank you for letting us know.', '2026-01-01T00:00:00Z'),
  ('closed', 'de', 'Ihre Meldung ist abschließend bearbeitet.', '2026-01-01T00:00:00Z'),
  ('closed', 'en', 'Your report has been dealt with.', '2026-01-01T00:00:00Z');

-- The workflow on the report itself.
-- revision: optimistic concurrency; every change checks and increments it.
-- original_description: the citizen's text, kept when a clerk edits the public one.
-- opened_at: when the report became `open` (filing or confirmation); the promise counts from it.
-- reaction_due_at: the end of the service promise's last working day (null while unconfirmed).
-- first_reaction_at: the first status change, or the first public answer on a published report.
-- resolved_at: when it last turned green or yellow-green (null when open again).
-- authority_since: since when the current authority has it (forwarding resets it).
alter table reports add column revision integer not null default 0;
alter table reports add column original_description text;
alter table reports add column opened_at text;
alter table reports add column reaction_due_at text;
alter table reports add column first_reaction_at text;
alter table reports add column resolved_at text;
alter table reports add column authority_since text;
update reports set opened_at = created_at where status <> 'unconfirmed';
update reports set authority_since = created_at;
create index reports_inbox_idx on reports (authority_key, status, id);
create index reports_duplicate_of_idx on reports (duplicate_of);

-- Forwarding names the authority an event handed the report to (the public chain).
alter table report_events add column authority_key text;
