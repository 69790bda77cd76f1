-- "Me too" (issue 16): citizens who support a published open report instead of filing it again.

-- How many supports a report has (anonymous ones and confirmed addresses). Changed only in the
-- transaction that adds or confirms a support, or that moves a duplicate's supporters to its
-- original, so the public list and the inbox sort by an index instead of counting per row.
alter table reports add column supporters integer not null default 0;
create index reports_public_supporters_idx on reports (visibility, supporters, id);
create index reports_authority_supporters_idx on reports (authority_key, supporters, id);

-- PERSONAL DATA: `email` is the only personal data of a support (the supporter's address);
-- nothing else here names a person, and no public view reads this table except as a count.
-- One row per support. `email` null: an anonymous support, counted at once (no IP address or
-- other client trace is kept). With an address: counted once `confirmed_at` is set by the link in
-- the confirmation mail, once per address and report (`report_supporters_email_key`; SQLite and
-- PostgreSQL both let several null addresses coexist). `follow`: the supporter asked to get the
-- report's status mails too; confirming then makes the address a confirmed follower.
-- Erasing an address (privacy, retention): set `email` to null on a confirmed row (the support
-- stays counted, anonymously) and delete an unconfirmed row (it was never counted).
create table report_supporters (
  id blob primary key,
  report_id blob not null constraint report_supporters_report_fk references reports (id) on delete cascade,
  email text,
  language text not null constraint report_supporters_language check (language in ('de', 'en')),
  follow boolean not null,
  created_at text not null,
  confirmed_at text,
  constraint report_supporters_email_key unique (report_id, email)
);

-- The confirmation link of a support is a mail token like the others: a new purpose and the
-- supporter row it confirms. SQLite cannot change a check constraint in place, so the table is
-- rebuilt with the same columns in the same order plus `supporter_id` at the end.
create table mail_tokens_0019 (
  token_hash text primary key,
  purpose text not null constraint mail_tokens_purpose check (purpose in ('confirm_report', 'confirm_follow', 'unsubscribe', 'erase', 'confirm_support')),
  report_id blob not null constraint mail_tokens_report_fk references reports (id) on delete cascade,
  follower_id blob,
  created_at text not null,
  expires_at text not null,
  used_at text,
  supporter_id blob
);
insert into mail_tokens_0019 (token_hash, purpose, report_id, follower_id, created_at, expires_at, used_at)
  select token_hash, purpose, report_id, follower_id, created_at, expires_at, used_at from mail_tokens;
drop table mail_tokens;
alter table mail_tokens_0019 rename to mail_tokens;
