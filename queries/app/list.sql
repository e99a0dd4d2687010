-- name: list
-- purpose: a page of the ranked list: one snapshot's rows of one configuration, filtered and sorted, with their plan flag and victim's area, and how many rows match
-- inputs: scores_scores, pmps (and persons for a snapshot written before it kept the victim's area); $cfg configuration hash, $asof snapshot date, filters $band $stage $cluster $serial $noplan $area $rel (empty or zero: any), $hidden (only red or amber rows whose latest officer grade was standard or medium), $sort (rank, stage, occurrences_90d or days_since), $limit and $offset (the page), $rank (one relationship's rank, found from the snapshot's index, so its row is read from one row group)
-- outputs: rank, relationship_id, victim_id, perpetrator_id, band, stage, total_score, cluster_score, harm_score, recency_frequency_score, clusters, occurrences_90d, days_since_last_occurrence, pct_occurrences_last_90d, serial, has_plan, area, officer_grade ('' if none), cluster_stages and facts (what the relationship page words its clusters from), total (rows matching the filter); in the page's order
-- source: the unit's ranked list, highest score first (context.md); the hidden threat is the seed's point, a standard or medium DASH hiding a high threat; filters are bound parameters, never pasted in
-- Nationally a snapshot is 2 million rows and a page 50: the filter and
-- the sort read only the columns they need, the page's whole rows are read
-- by rank (the snapshot is written in rank order, so a page reads a few
-- row groups), plans are joined to the page alone, and the victim's area
-- is the snapshot's own. The caller keeps a line marked "only with $x"
-- when x holds and one marked "only without $x" when it does not: a
-- filter that is not set reads nothing, and $indexed says the snapshot
-- has its index, area and ranked items (one written before them reads
-- the areas from persons).
WITH s AS (
  SELECT relationship_id, "rank",
         CASE $sort WHEN 'stage' THEN -stage WHEN 'occurrences_90d' THEN -occurrences_90d WHEN 'days_since' THEN days_since_last_occurrence ELSE 0 END AS sort_key
  FROM scores_scores
  WHERE config_hash = $cfg AND as_of = $asof
    AND ($band = '' OR band = $band) AND ($stage = 0 OR stage = $stage) AND ($cluster = '' OR list_contains(clusters, $cluster))
    AND (NOT $serial OR serial) AND ($rel = '' OR relationship_id = $rel)
    AND "rank" = $rank -- only with $rank
    AND (NOT $hidden OR (band IN ('red', 'amber') AND lower(officer_grade) IN ('standard', 'medium')))
    AND relationship_id NOT IN (SELECT relationship_id FROM pmps WHERE relationship_id IS NOT NULL) -- only with $noplan
    AND area = $area -- only with $area_indexed
    AND victim_id IN (SELECT person_id FROM persons WHERE area = $area) -- only with $area_legacy
),
page AS (SELECT "rank", sort_key FROM s ORDER BY sort_key, "rank" LIMIT $limit OFFSET $offset),
r AS (
  SELECT x.*, page.sort_key FROM scores_scores x JOIN page USING ("rank")
  WHERE x.config_hash = $cfg AND x.as_of = $asof
),
pl AS (SELECT DISTINCT relationship_id FROM pmps SEMI JOIN r USING (relationship_id))
SELECT r."rank", r.relationship_id, r.victim_id, r.perpetrator_id, r.band, r.stage, r.total_score, r.cluster_score, r.harm_score,
       r.recency_frequency_score, r.clusters, r.occurrences_90d, r.days_since_last_occurrence, r.pct_occurrences_last_90d, r.serial,
       pl.relationship_id IS NOT NULL AS has_plan,
       coalesce(r.area, '') AS area, -- only with $indexed
       coalesce(p.area, '') AS area, -- only without $indexed
       coalesce(r.officer_grade, '') AS officer_grade, coalesce(r.cluster_stages, []) AS cluster_stages, coalesce(r.facts, []) AS facts,
       (SELECT count(*) FROM s) AS total
FROM r LEFT JOIN pl USING (relationship_id)
  LEFT JOIN persons p ON p.person_id = r.victim_id -- only without $indexed
ORDER BY r.sort_key, r."rank"
