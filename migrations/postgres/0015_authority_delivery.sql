-- Authorities that run their own system: how new reports reach an authority, and the outbox
-- of deliveries to those systems (Open311 GeoReport v2 back offices).

-- An authority without a row here gets mail (method 'email', today's behaviour). With method
-- 'open311' its new and forwarded reports are POSTed to `base_url`/requests.json with its
-- `api_key` (kept to be sent, never shown again in full), and no mail goes to its contact.
-- service_codes: a JSON object {category key: the back office's service_code}; a category not
-- in it is sent with its own key. send_contact: whether the reporter's address and name go
-- along (off unless an admin turns it on).
create table authority_delivery (
  authority_key text primary key constraint authority_delivery_authority_fk references authorities (key),
  method text not null constraint authority_delivery_method check (method in ('email', 'open311')),
  base_url text,
  api_key text,
  jurisdiction_id text,
  service_codes text not null,
  send_contact boolean not null,
  updated_at timestamptz not null,
  constraint authority_delivery_open311_complete check (method <> 'open311' or (base_url is not null and api_key is not null))
);

-- One report to deliver to one authority's back office. Written in the transaction that opens
-- the report for that authority (a filing, a confirmation, a forward), so nothing is lost; at
-- most one row per (report, authority), and the POST carries an Idempotency-Key derived from
-- both, so a retry after a lost answer files nothing twice at a back office that honours it.
-- state: pending -> sending -> delivered | (back to) pending | dead (after max attempts or a
-- refusal; admins can retry). A claimed row's next_attempt_at is its lease's end, so a row
-- whose worker died is taken over once the lease has run out (as in `outbox`).
-- remote_id: the back office's service_request_id; remote_token: its token when it answered
-- with one (resolved later); remote_state: the last remote status applied to the report.
create table backoffice_deliveries (
  id uuid primary key,
  report_id uuid not null constraint backoffice_deliveries_report_fk references reports (id) on delete cascade,
  authority_key text not null,
  state text not null constraint backoffice_deliveries_state check (state in ('pending', 'sending', 'delivered', 'dead')),
  attempts integer not null,
  next_attempt_at timestamptz not null,
  locked_by text,
  last_error text,
  remote_id text,
  remote_token text,
  remote_state text,
  created_at timestamptz not null,
  delivered_at timestamptz,
  constraint backoffice_deliveries_once unique (report_id, authority_key)
);
create index backoffice_deliveries_due on backoffice_deliveries (next_attempt_at) where state in ('pending', 'sending');
create index backoffice_deliveries_state on backoffice_deliveries (state, authority_key);
