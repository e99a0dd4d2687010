-- name: perpetrator_facts
-- purpose: record-derived facts for cluster rules: each fact one of the perpetrator's offences in the lookback evidences by its class, with the date of the latest such offence (the stage's recency); an offence recorded (recorded_at) after the as-of date is left out, as it was not known then
-- inputs: offences, scope, fact_codes (fact, code); $1 = as-of date, $2 = start of the lookback
-- outputs: perpetrator_id, fact, last_committed_at (the latest evidencing offence's; the offences themselves are listed by explain and the relationship page from offences, so none is carried here)
-- source: the facts section of the scoring configuration (offence classes per fact)
SELECT f.offender_id AS perpetrator_id, c.fact, max(f.committed_at) AS last_committed_at
FROM offences f JOIN fact_codes c ON c.code = f.offence_code
WHERE f.committed_at <= CAST($1 AS TIMESTAMP) AND f.committed_at >= CAST($2 AS TIMESTAMP) AND f.offender_id IN (SELECT perpetrator_id FROM scope)
  AND (f.recorded_at IS NULL OR f.recorded_at <= CAST($1 AS TIMESTAMP))
GROUP BY ALL
ORDER BY perpetrator_id, fact
