-- Versions of the public map, so its tiles can be cached and revalidated without reading
-- reports: every fold of report_cell_changes (`fold_cell_changes`) that takes any rows draws
-- the next number from map_version and writes it on each region whose cells it changed.
-- A region is a level-10 map cell (360 / 2^12 degrees, about 0.088°, the size of a tile at
-- zoom 12). A tile's version is the highest version of the regions its clusters are drawn
-- from, so a change in Berlin does not invalidate the tiles of Rostock. The counter row is
-- updated in the fold's transaction: concurrent folds of several instances take their
-- numbers in commit order, so a version once seen is never given to a later change. A new
-- number is at least the fold's clock in Unix milliseconds, so a database restored from a
-- backup goes on above every number handed out before it.
create table map_version (
  id integer primary key check (id = 1),
  version bigint not null
);

insert into map_version (id, version) values (1, 0);

create table map_region_versions (
  cx bigint not null,
  cy bigint not null,
  version bigint not null,
  constraint map_region_versions_pk primary key (cx, cy)
);

-- Each instance asks every second for the regions changed since the version it knows.
create index map_region_versions_version on map_region_versions (version);
