-- name: list
-- purpose: the ranked list: one snapshot's rows of one configuration with their plan flag and victim's area, filtered
-- inputs: scores_scores, pmps, persons; $cfg configuration hash, $asof snapshot date, filters $band $stage $cluster $serial $noplan $area $rel (empty or zero: any), $hidden (only red or amber rows whose latest officer grade was standard or medium)
-- outputs: rank, relationship_id, victim_id, perpetrator_id, band, stage, total_score, cluster_score, harm_score, recency_frequency_score, clusters, occurrences_90d, days_since_last_occurrence, pct_occurrences_last_90d, serial, has_plan, area, officer_grade ('' if none), total (rows matching the filter); the caller adds ORDER BY and LIMIT
-- source: the unit's ranked list, highest score first (context.md); the hidden threat is the seed's point, a standard or medium DASH hiding a high threat; filters are bound parameters, never pasted in
WITH s AS (SELECT * FROM scores_scores WHERE config_hash = $cfg AND as_of = $asof),
pl AS (SELECT DISTINCT relationship_id FROM pmps)
SELECT s."rank", s.relationship_id, s.victim_id, s.perpetrator_id, s.band, s.stage, s.total_score, s.cluster_score, s.harm_score,
       s.recency_frequency_score, s.clusters, s.occurrences_90d, s.days_since_last_occurrence, s.pct_occurrences_last_90d, s.serial,
       pl.relationship_id IS NOT NULL AS has_plan, coalesce(p.area, '') AS area,
       coalesce(s.officer_grade, '') AS officer_grade, count(*) OVER () AS total
FROM s LEFT JOIN pl USING (relationship_id) LEFT JOIN persons p ON p.person_id = s.victim_id
WHERE ($band = '' OR s.band = $band) AND ($stage = 0 OR s.stage = $stage) AND ($cluster = '' OR list_contains(s.clusters, $cluster))
  AND (NOT $serial OR s.serial) AND (NOT $noplan OR pl.relationship_id IS NULL) AND ($area = '' OR p.area = $area) AND ($rel = '' OR s.relationship_id = $rel)
  AND (NOT $hidden OR (s.band IN ('red', 'amber') AND lower(s.officer_grade) IN ('standard', 'medium')))
