-- name: scope
-- purpose: the relationships to score at an as-of date: those with an occurrence or an assessment in the lookback
-- inputs: occurrences, assessments; $1 = as-of date, $2 = start of the lookback
-- outputs: relationship_id, victim_id, perpetrator_id
-- source: issue "Scoring" (score every relationship with an occurrence or assessment in the lookback); lookback 3 years after the MATAC serial definition
SELECT relationship_id, any_value(victim_id) AS victim_id, any_value(perpetrator_id) AS perpetrator_id
FROM (
  SELECT relationship_id, victim_id, perpetrator_id FROM occurrences WHERE reported_at <= CAST($1 AS TIMESTAMP) AND reported_at >= CAST($2 AS TIMESTAMP)
  UNION ALL
  SELECT relationship_id, victim_id, perpetrator_id FROM assessments WHERE completed_at <= CAST($1 AS TIMESTAMP) AND completed_at >= CAST($2 AS TIMESTAMP)
)
GROUP BY relationship_id
