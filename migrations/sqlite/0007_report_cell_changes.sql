-- Map counts change by appending rows here instead of updating report_cells in the same
-- transaction; every `serve` folds the rows into report_cells about once a second
-- (`fold_cell_changes`). Why: a filing published at once, or a clerk's status change, used to
-- upsert the cell rows of its place at every level, and the coarse ones are shared by a whole
-- city (level 7 holds Berlin in one or two cells). PostgreSQL keeps a row's lock until commit,
-- so such filings queued one behind another's WAL flush: a hot row changes at most once per
-- flush (about 800 a second on our machine). Appending never conflicts. The map reads
-- report_cells plus these rows, so it is exact at all times, folded or not.
create table report_cell_changes (
  level integer not null,
  cx bigint not null,
  cy bigint not null,
  light text not null,
  count bigint not null,
  sum_lat real not null,
  sum_lon real not null
);

create index report_cell_changes_cell on report_cell_changes (level, cx, cy);
