-- Area alerts (issue 16.3): mail subscriptions to the new and changed public reports of a
-- Gemeinde (area), an authority or a circle around a point, optionally of one category,
-- delivered as at most one digest a day through the outbox (`dedupe_key`
-- `alert:<id>:<date>`). The Atom feeds read the same selections and store nothing.
--
-- PERSONAL DATA: `email` is the subscriber's address, and with it the row says what the person
-- watches (a circle's `lat`/`lon` may be their home) and when they asked (`created_at`,
-- `requested_at`, `confirmed_at`, `unsubscribed_at`). This table is the only place an alert
-- subscriber is kept (no name, no IP): the privacy erasure and the retention job delete the
-- whole rows of an address here (and its `outbox` rows of kinds `confirm_alert` and
-- `alert_digest`, like every mail). The links in the mails hold no stored secret: confirm and
-- unsubscribe keys are HMACs of the row's id under the installation secret
-- (`auth::reporter_key`).
create table alert_subscriptions (
  id blob primary key,
  email text not null,
  language text not null constraint alert_subscriptions_language check (language in ('de', 'en')),
  -- The selection: exactly one of an area, an authority, or a point with a radius.
  area_key text,
  authority_key text constraint alert_subscriptions_authority_fk references authorities (key),
  lat real,
  lon real,
  radius_m integer constraint alert_subscriptions_radius check (radius_m between 50 and 10000),
  category_code text constraint alert_subscriptions_category_fk references categories (code),
  -- The selection written out (`area:12067072`, `authority:…`, `point:52.52190,13.41320,500`,
  -- each with `/category` where one is chosen): one row per address and selection.
  selection text not null,
  created_at text not null,
  -- When the last opt-in mail went out: its link works for 7 days from then.
  requested_at text not null,
  confirmed_at text,
  unsubscribed_at text,
  constraint alert_subscriptions_email_selection_key unique (email, selection),
  constraint alert_subscriptions_one_selection check (
    (case when area_key is not null then 1 else 0 end)
    + (case when authority_key is not null then 1 else 0 end)
    + (case when lat is not null and lon is not null and radius_m is not null then 1 else 0 end) = 1
  )
);
create index alert_subscriptions_email_idx on alert_subscriptions (email);

-- The digests and feeds read a time window of the history, and a Gemeinde's reports.
create index report_events_at_idx on report_events (at);
create index reports_area_idx on reports (area_key, id);
