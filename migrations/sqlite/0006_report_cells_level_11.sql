-- Map level 11 (cells of 360 / 2^13 degrees, about 0.044°): a city view at zoom 11 read
-- level 13 before and grouped 4 × 4 cells per cluster, walking ~60,000 index entries for a
-- view of Berlin (the primary key narrows only cx). Level 11 is exactly those groups, kept
-- from now on by filing and the clerk workflow like levels 7, 10 and 13.
--
-- Backfilled from level 13, which holds every published report with a light: a level-11
-- cell is the 4 × 4 level-13 cells with cx / 4 and cy / 4 (cells count from 180° W / 90° S,
-- so cx and cy are never negative and integer division is the floor). Counts are summed
-- exactly; the coordinate sums are sums of sums, equal to a fresh per-report sum up to
-- floating-point rounding. Deleting first makes the backfill exact even if level-11 rows
-- existed already.
delete from report_cells where level = 11;

insert into report_cells (level, cx, cy, light, count, sum_lat, sum_lon)
select 11, cx / 4, cy / 4, light, sum(count), sum(sum_lat), sum(sum_lon)
from report_cells
where level = 13
group by cx / 4, cy / 4, light
having sum(count) > 0;
