-- name: relationship_base
-- purpose: per relationship in scope: its occurrence dates in the lookback, its latest assessment and officer grade, and the perpetrator's other victims
-- inputs: scope, occurrences, assessments; $1 = as-of date, $2 = start of the lookback
-- outputs: sorted by perpetrator, then relationship: perpetrator_id, relationship_id, victim_id, occurrences (in the lookback), occurrences_90d, occurrences_365d, last_occurrence_at, occurrences_last_180d, occurrences_prior_180d, latest_id, latest_at, officer_grade, other_victims
-- source: recency and frequency (Turner et al. 2022: days since the last incident is the strongest predictor); serial = 2+ victims in the lookback (MATAC)
WITH o AS (
  SELECT relationship_id, count(*) AS occurrences,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 90 DAY) AS occurrences_90d,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 365 DAY) AS occurrences_365d,
    max(reported_at) AS last_occurrence_at,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 180 DAY) AS occurrences_last_180d,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 360 DAY AND reported_at <= CAST($1 AS TIMESTAMP) - INTERVAL 180 DAY) AS occurrences_prior_180d
  FROM occurrences WHERE reported_at <= CAST($1 AS TIMESTAMP) AND reported_at >= CAST($2 AS TIMESTAMP) AND relationship_id IN (SELECT relationship_id FROM scope)
  GROUP BY relationship_id
),
l AS (
  SELECT relationship_id,
    arg_max(assessment_id, (completed_at, assessment_id)) AS latest_id,
    max(completed_at) AS latest_at,
    arg_max(officer_grade, (completed_at, assessment_id)) AS officer_grade
  FROM assessments WHERE completed_at <= CAST($1 AS TIMESTAMP) AND relationship_id IN (SELECT relationship_id FROM scope)
  GROUP BY relationship_id
),
v AS (
  SELECT perpetrator_id, list(DISTINCT victim_id) AS victims
  FROM occurrences WHERE reported_at <= CAST($1 AS TIMESTAMP) AND reported_at >= CAST($2 AS TIMESTAMP) AND perpetrator_id IN (SELECT perpetrator_id FROM scope)
  GROUP BY perpetrator_id
)
SELECT s.perpetrator_id, s.relationship_id, s.victim_id, coalesce(o.occurrences, 0), coalesce(o.occurrences_90d, 0), coalesce(o.occurrences_365d, 0),
  o.last_occurrence_at, coalesce(o.occurrences_last_180d, 0), coalesce(o.occurrences_prior_180d, 0), l.latest_id, l.latest_at, l.officer_grade,
  coalesce(len(list_filter(v.victims, x -> x <> s.victim_id)), 0) AS other_victims
FROM scope s LEFT JOIN o USING (relationship_id) LEFT JOIN l USING (relationship_id) LEFT JOIN v USING (perpetrator_id)
ORDER BY s.perpetrator_id, s.relationship_id
