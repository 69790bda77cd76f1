-- Secrets of this installation, drawn once by the first instance that starts and shared by
-- every instance on the database. `reporter_keys` derives the key in the reporter's link
-- (HMAC of the report id), so the key itself is never stored.
create table installation_secrets (
  name text primary key,
  value text not null
);

-- The public history starts with "received" (red): a report filed while waiting for its
-- reporter's confirmation recorded its creation with the internal status `unconfirmed`.
update report_events set status = 'open' where kind = 'created' and status = 'unconfirmed';
