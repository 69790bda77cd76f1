-- An authority's own photos ("after" photos) belong to the public answer they were sent with:
-- they are rows of report_photos like the reporter's, naming that answer's event. NULL for
-- the reporter's photos. A redaction replaces a row's photo_id in place (same position, size
-- and visibility) and needs no column.
alter table report_photos add column event_id integer constraint report_photos_event_fk references report_events (id);
