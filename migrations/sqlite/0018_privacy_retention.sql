-- Privacy self-service and retention (DSGVO Art. 17), see src/privacy/.
--
-- 1. A mail link that removes its recipient's address from a report: the token purpose
--    `erase`. SQLite cannot change a check constraint, so `mail_tokens` is rebuilt with the
--    same columns (no other table references it; its only index is the primary key).
create table mail_tokens_new (
  token_hash text primary key,
  purpose text not null constraint mail_tokens_purpose check (purpose in ('confirm_report', 'confirm_follow', 'unsubscribe', 'erase')),
  report_id blob not null constraint mail_tokens_report_fk references reports (id) on delete cascade,
  follower_id blob,
  created_at text not null,
  expires_at text not null,
  used_at text
);
insert into mail_tokens_new (token_hash, purpose, report_id, follower_id, created_at, expires_at, used_at)
select token_hash, purpose, report_id, follower_id, created_at, expires_at, used_at from mail_tokens;
drop table mail_tokens;
alter table mail_tokens_new rename to mail_tokens;

-- 2. Retention: when the job last erased a report's contact data. A report is due again only
--    if it was closed after that (reopened and closed again), so `contact_erased_at <
--    resolved_at` or null. The partial index holds exactly the closed reports not erased
--    since their last close, so the hourly job reads a few rows, not every old report; the
--    job's query repeats this condition word for word so that SQLite uses the index.
alter table reports add column contact_erased_at text;
create index reports_retention_due_idx on reports (resolved_at)
  where resolved_at is not null and (contact_erased_at is null or contact_erased_at < resolved_at);

-- 3. Clerk accounts: since when one is deactivated (null while active; accounts deactivated
--    before this migration get the time the retention job first sees them), and when it was
--    anonymised (then it cannot be activated again).
alter table accounts add column deactivated_at text;
alter table accounts add column anonymised_at text;
