-- name: offences
-- purpose: every offence of one perpetrator in the lookback, with its CCHI days where the harm table has its code; an offence recorded (recorded_at) after the as-of date is left out, as it was not known then
-- inputs: offences, harm (the configuration's table); $1 = perpetrator id, $2 = as-of date, $3 = start of the lookback
-- outputs: offence_id, offence_code, committed_at, victim_id ('' if none), days (NULL: not in the harm table); by date then id
-- source: Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud 2016), the 2020 edition excerpt in the configuration
SELECT f.offence_id, f.offence_code, f.committed_at, coalesce(f.victim_id, ''), h.days
FROM offences f LEFT JOIN harm h ON h.code = f.offence_code
WHERE f.offender_id = $1 AND f.committed_at <= CAST($2 AS TIMESTAMP) AND f.committed_at >= CAST($3 AS TIMESTAMP)
  AND (f.recorded_at IS NULL OR f.recorded_at <= CAST($2 AS TIMESTAMP))
ORDER BY f.committed_at, f.offence_id
