-- Log-in attempts per (lower-cased) email, known or not, instead of failures: an attempt is
-- counted before its password is checked, by one upsert that also decides whether it may
-- proceed (src/store/account_sql.rs). Counting failures after the check let racing guesses
-- all pass the check of the back-off before any of them was counted.
-- Times are Unix milliseconds: that upsert computes the back-off in SQL, and integers are the
-- arithmetic both databases share (SQLite has no interval type).
create table login_attempts (
  email text primary key,
  attempts integer not null,
  last_attempt_ms integer not null,
  blocked_until_ms integer not null
);
-- Emails backed off now stay backed off.
insert into login_attempts (email, attempts, last_attempt_ms, blocked_until_ms)
select email, failures,
       cast(round((julianday(last_failure_at) - 2440587.5) * 86400000) as integer),
       cast(round((julianday(blocked_until) - 2440587.5) * 86400000) as integer)
from login_failures;
drop table login_failures;
