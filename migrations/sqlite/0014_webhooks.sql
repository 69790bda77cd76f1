-- Webhooks for third-party apps: endpoints that admins register, and one delivery row per
-- (endpoint, report event) in an outbox like the mail outbox (0004).

-- An app's endpoint. `secret` signs every delivery (Standard Webhooks: `whsec_` + base64 of
-- the key bytes); it is stored as it is because signing needs it. After a rotation the
-- previous secret signs beside the new one until `previous_secret_expires_at`, so receivers
-- can switch without losing a delivery. `event_types`: space-separated webhook event types.
create table webhook_endpoints (
  id blob primary key,
  url text not null,
  description text not null,
  event_types text not null,
  secret text not null,
  previous_secret text,
  previous_secret_expires_at text,
  active boolean not null,
  created_by blob,
  created_at text not null,
  updated_at text not null
);

-- One event to one endpoint. Its id is the `webhook-id` header, the same on every attempt;
-- the payload is rendered once at fan-out, so every attempt sends the same bytes.
-- state: pending -> sending -> delivered | (back to) pending | dead (after the maximum of
-- attempts; admins can retry). A claimed row's `next_attempt_at` is the end of its lease,
-- so a row whose worker died is taken over when the lease has run out.
-- (endpoint_id, event_id) is unique: however many instances fan an event out, each endpoint
-- gets it once.
create table webhook_deliveries (
  id blob primary key,
  endpoint_id blob not null constraint webhook_deliveries_endpoint_fk references webhook_endpoints (id) on delete cascade,
  event_id integer not null,
  event_type text not null,
  report_id blob not null,
  payload text not null,
  state text not null constraint webhook_deliveries_state check (state in ('pending', 'sending', 'delivered', 'dead')),
  attempts integer not null,
  next_attempt_at text not null,
  locked_by text,
  last_status integer,
  last_error text,
  last_attempt_at text,
  created_at text not null,
  delivered_at text,
  constraint webhook_deliveries_event_key unique (endpoint_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where state in ('pending', 'sending');
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, created_at);

-- Which report events the webhook fan-out has taken (it marks them in the transaction that
-- writes their deliveries). Events from before webhooks existed count as taken.
alter table report_events add column webhooks_fanned_out_at text;
update report_events set webhooks_fanned_out_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
create index report_events_webhooks_idx on report_events (id) where webhooks_fanned_out_at is null;
