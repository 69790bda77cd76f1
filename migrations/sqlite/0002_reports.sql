-- Reports, their append-only event history, their photos, idempotency keys for filing, and
-- the pre-aggregated map cells that keep state-wide map views fast at millions of reports.

-- One report. Ids are UUID v7 (time-ordered): keyset pagination and `since` filters use them.
-- The reporter's email and name are private: no public query selects them.
create table reports (
  id blob primary key,
  category_code text not null constraint reports_category_fk references categories (code),
  description text not null,
  lat real not null,
  lon real not null,
  address text,
  -- The area key is kept even if a later boundary import removes the area.
  area_key text not null,
  authority_key text not null constraint reports_authority_fk references authorities (key),
  status text not null constraint reports_status check (status in ('unconfirmed', 'open', 'in_progress', 'resolved', 'closed')),
  close_reason text constraint reports_close_reason check (close_reason in ('not_responsible', 'private_property', 'no_funds', 'not_a_defect', 'duplicate')),
  close_detail text,
  duplicate_of blob constraint reports_duplicate_fk references reports (id),
  visibility text not null constraint reports_visibility check (visibility in ('pending', 'published', 'hidden')),
  language text not null constraint reports_language check (language in ('de', 'en')),
  near_border boolean not null,
  reporter_email text,
  reporter_name text,
  created_at text not null,
  updated_at text not null,
  status_changed_at text not null,
  constraint reports_closed_has_reason check ((status = 'closed') = (close_reason is not null))
);
-- Public list: newest first among published reports (keyset on id).
create index reports_public_list_idx on reports (visibility, id);
-- Map points and the duplicate hint: published reports in a small box.
create index reports_map_idx on reports (visibility, lat, lon);
-- Clerk inboxes (next issue) and the authority filter.
create index reports_authority_idx on reports (authority_key, id);
create index reports_category_idx on reports (category_code, id);

-- What happened to a report, append-only. `public` events form the public history.
create table report_events (
  id integer primary key autoincrement,
  report_id blob not null constraint report_events_report_fk references reports (id),
  kind text not null,
  actor text not null,
  public boolean not null,
  status text,
  body text,
  at text not null
);
create index report_events_report_idx on report_events (report_id, id);

-- Photos by content hash (SHA-256 of the upload); the files live in the photo storage.
-- `visible`: released to the public (at once without moderation, else by a clerk).
create table report_photos (
  report_id blob not null constraint report_photos_report_fk references reports (id),
  photo_id text not null,
  position integer not null,
  width integer not null,
  height integer not null,
  visible boolean not null,
  constraint report_photos_pk primary key (report_id, photo_id)
);
create index report_photos_photo_idx on report_photos (photo_id);

-- Idempotency-Key of a filing: a retried upload returns the first report. The fingerprint
-- (SHA-256 of the request) catches a key reused for a different request.
create table idempotency_keys (
  key text primary key,
  fingerprint text not null,
  report_id blob not null constraint idempotency_keys_report_fk references reports (id),
  created_at text not null
);

-- Published reports counted per map grid cell, light and level. Level L has cells of
-- 360 / 2^(L + 2) degrees; coarser zooms group cells in SQL. Kept in step with every change
-- of a report's publication or light, in the same transaction.
create table report_cells (
  level integer not null,
  cx bigint not null,
  cy bigint not null,
  light text not null,
  count bigint not null,
  sum_lat real not null,
  sum_lon real not null,
  constraint report_cells_pk primary key (level, cx, cy, light)
);
