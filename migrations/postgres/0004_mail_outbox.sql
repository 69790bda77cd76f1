-- Email: the transactional outbox, one-time tokens for the links in mails, and the addresses
-- that follow a report (the reporter's own included).

-- One mail to deliver. Written in the transaction of the change that causes it, so a change
-- and its mails are stored together or not at all. The worker claims a row by moving it to
-- `sending` with `next_attempt_at` set to the end of its lease: a worker that dies mid-delivery
-- leaves a row that another one takes over once the lease has run out.
-- state: pending -> sending -> sent | (back to) pending | dead (after max attempts or a
-- permanent SMTP error; admins can retry). Bodies of sent mails are erased: they held
-- one-time links and the reporter's text, and nobody needs them any more.
-- dedupe_key: mails that must exist once however many instances schedule them (the digest).
create table outbox (
  id uuid primary key,
  kind text not null,
  recipient text not null,
  language text not null constraint outbox_language check (language in ('de', 'en')),
  subject text not null,
  body_text text,
  body_html text,
  list_unsubscribe text,
  report_id uuid,
  dedupe_key text constraint outbox_dedupe_key unique,
  state text not null constraint outbox_state check (state in ('pending', 'sending', 'sent', 'dead')),
  attempts integer not null,
  next_attempt_at timestamptz not null,
  locked_by text,
  last_error text,
  created_at timestamptz not null,
  sent_at timestamptz
);
create index outbox_due_idx on outbox (next_attempt_at) where state in ('pending', 'sending');
create index outbox_state_idx on outbox (state, created_at);

-- Who hears about a report: the reporter (once the address is confirmed) and followers (after
-- their own double opt-in). Leaving sets `unsubscribed_at`; following again needs a new opt-in.
create table report_followers (
  id uuid primary key,
  report_id uuid not null constraint report_followers_report_fk references reports (id) on delete cascade,
  email text not null,
  language text not null,
  role text not null constraint report_followers_role check (role in ('reporter', 'follower')),
  created_at timestamptz not null,
  confirmed_at timestamptz,
  unsubscribed_at timestamptz,
  constraint report_followers_email_key unique (report_id, email)
);

-- The secret in a mail's link (confirm a report, confirm following, leave). Only its SHA-256
-- is stored. Confirmation tokens are used once; unsubscribe tokens work until they expire.
create table mail_tokens (
  token_hash text primary key,
  purpose text not null constraint mail_tokens_purpose check (purpose in ('confirm_report', 'confirm_follow', 'unsubscribe')),
  report_id uuid not null constraint mail_tokens_report_fk references reports (id) on delete cascade,
  follower_id uuid,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
