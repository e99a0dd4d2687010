-- name: perpetrator_facts
-- purpose: record-derived facts for cluster rules: for each fact, the perpetrator's first offence in the lookback whose class evidences it; an offence recorded (recorded_at) after the as-of date is left out, as it was not known then
-- inputs: offences, scope, fact_codes (fact, code); $1 = as-of date, $2 = start of the lookback
-- outputs: perpetrator_id, fact, offence_id, offence_code, committed_at (the first offence's), last_committed_at (the latest's, for the stage's recency)
-- source: the facts section of the scoring configuration (offence classes per fact)
SELECT f.offender_id AS perpetrator_id, c.fact,
  arg_min(f.offence_id, (f.committed_at, f.offence_id)) AS offence_id,
  arg_min(f.offence_code, (f.committed_at, f.offence_id)) AS offence_code,
  min(f.committed_at) AS committed_at, max(f.committed_at) AS last_committed_at
FROM offences f JOIN fact_codes c ON c.code = f.offence_code
WHERE f.committed_at <= CAST($1 AS TIMESTAMP) AND f.committed_at >= CAST($2 AS TIMESTAMP) AND f.offender_id IN (SELECT perpetrator_id FROM scope)
  AND (f.recorded_at IS NULL OR f.recorded_at <= CAST($1 AS TIMESTAMP))
GROUP BY ALL
ORDER BY perpetrator_id, fact
