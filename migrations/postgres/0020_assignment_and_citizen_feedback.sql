-- Who of the authority's clerks has taken a report on ("Zuständigkeit annehmen"), and the
-- citizens' word on a report marked fixed or handled ("Abschlussmeldungen").

-- The clerk account in charge; cleared when the report is forwarded.
alter table reports add column assignee_id uuid constraint reports_assignee_fk references accounts (id);
-- A citizen said "still not fixed" and no clerk has reopened or declined yet.
alter table reports add column reopen_requested_at timestamptz;
create index reports_assignee_idx on reports (assignee_id);
create index reports_reopen_requested_idx on reports (reopen_requested_at) where reopen_requested_at is not null;

-- One citizen's feedback on one state of a report, so each person speaks once per state:
-- `person` is `reporter` or `follower:<follower id>` (never the address: a follower row that
-- is erased leaves nothing that names anyone); `state_since` is the report's
-- `status_changed_at` the feedback answers. The words themselves are a public report event.
create table citizen_feedback (
  report_id uuid not null constraint citizen_feedback_report_fk references reports (id) on delete cascade,
  person text not null,
  state_since timestamptz not null,
  kind text not null constraint citizen_feedback_kind check (kind in ('not_fixed', 'fixed')),
  created_at timestamptz not null,
  constraint citizen_feedback_pk primary key (report_id, person, state_since)
);
