-- Privacy self-service and retention (DSGVO Art. 17), see src/privacy/.
--
-- 1. A mail link that removes its recipient's address from a report: the token purpose
--    `erase`.
alter table mail_tokens drop constraint mail_tokens_purpose;
alter table mail_tokens add constraint mail_tokens_purpose
  check (purpose in ('confirm_report', 'confirm_follow', 'unsubscribe', 'erase'));

-- 2. Retention: when the job last erased a report's contact data. A report is due again only
--    if it was closed after that (reopened and closed again), so `contact_erased_at <
--    resolved_at` or null. The partial index holds exactly the closed reports not erased
--    since their last close, so the hourly job reads a few rows, not every old report.
alter table reports add column contact_erased_at timestamptz;
create index reports_retention_due_idx on reports (resolved_at)
  where resolved_at is not null and (contact_erased_at is null or contact_erased_at < resolved_at);

-- 3. Clerk accounts: since when one is deactivated (null while active; accounts deactivated
--    before this migration get the time the retention job first sees them), and when it was
--    anonymised (then it cannot be activated again).
alter table accounts add column deactivated_at timestamptz;
alter table accounts add column anonymised_at timestamptz;
