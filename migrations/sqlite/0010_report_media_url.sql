-- The link an Open311 client sent as `media_url` (http or https only; checked when filed).
-- Stored and shown as a link, never fetched by the server: fetching would let any client make
-- the server request arbitrary addresses. NULL for reports without one (all native filings).
alter table reports add column media_url text;
