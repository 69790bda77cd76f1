-- Only duplicates in the index on duplicate_of. It serves `duplicates_of` (the duplicates
-- a report view lists: `where duplicate_of = $1`, which implies `is not null`, so the partial
-- index answers it) and the self-reference's foreign key. Unpartial, it held an entry for
-- every report, nearly all NULL, so each filing wrote an index entry nothing ever reads.
-- The rebuild scans `reports` once and holds writes to it meanwhile (seconds at millions of
-- rows; sqlx runs migrations in a transaction, so not CONCURRENTLY).
drop index reports_duplicate_of_idx;
create index reports_duplicate_of_idx on reports (duplicate_of) where duplicate_of is not null;
