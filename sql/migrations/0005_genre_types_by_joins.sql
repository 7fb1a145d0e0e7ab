-- 0005_genre_types_by_joins.sql: the same genre types, planned as two joins.
--
-- Applied by `musicgraph-admin migrate` inside one transaction; do not add BEGIN/COMMIT.
-- 0001 derived each genre's type with two correlated EXISTS inside a CASE, which PostgreSQL
-- runs as a subplan per genre: fine for a few thousand genres, but at 21,840 (ten times the
-- MusicBrainz list) the graph's genre query took 55 ms of a 100 ms rebuild, and its cost
-- estimate crossed jit_above_cost. Joined with the sets of genres that have parents and of
-- genres that are parents, it is a scan and two hash joins (about half the time), and a lookup
-- of one genre still uses the indexes (the id's equality is carried into both sides).
-- Same columns, same rule: 'root' without parents, 'intermediate' with parents and children,
-- 'leaf' with parents only. CREATE OR REPLACE keeps the view's owner and grants.
CREATE OR REPLACE VIEW genre_types (id, type) AS
SELECT g.id,
       CASE
           WHEN has_parent.genre_id IS NULL THEN 'root'
           WHEN is_parent.parent_id IS NOT NULL THEN 'intermediate'
           ELSE 'leaf'
       END
FROM genres g
LEFT JOIN (SELECT DISTINCT genre_id FROM genre_parents) has_parent ON has_parent.genre_id = g.id
LEFT JOIN (SELECT DISTINCT parent_id FROM genre_parents) is_parent ON is_parent.parent_id = g.id;
