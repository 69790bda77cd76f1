-- Only duplicates in the index on duplicate_of. It serves the self-reference's foreign-key
-- checks (which look up a report's duplicates); no query reads reports by it. Unpartial, it
-- held an entry for every report, nearly all NULL, so each filing wrote one index entry that
-- nothing ever needs.
drop index reports_duplicate_of_idx;
create index reports_duplicate_of_idx on reports (duplicate_of) where duplicate_of is not null;
