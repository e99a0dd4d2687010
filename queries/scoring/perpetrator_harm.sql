-- name: perpetrator_harm
-- purpose: the harm of each perpetrator's offending in the lookback (against anyone): CCHI days summed over scored offences, and the codes the harm table does not hold; an offence recorded (recorded_at) after the as-of date is left out, as it was not known then
-- inputs: offences, scope, harm (code, days); $1 = as-of date, $2 = start of the lookback
-- outputs: perpetrator_id, harm_days, harm_offences, unscored_codes
-- source: Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud 2016), summed as in RFG gravity; an offence code missing from the table is listed as unscored, never counted as zero silently
SELECT f.offender_id AS perpetrator_id,
  coalesce(sum(h.days), 0) AS harm_days,
  count(h.days) AS harm_offences,
  coalesce(list(DISTINCT f.offence_code ORDER BY f.offence_code) FILTER (WHERE h.days IS NULL), []::VARCHAR[]) AS unscored_codes
FROM offences f LEFT JOIN harm h ON h.code = f.offence_code
WHERE f.committed_at <= CAST($1 AS TIMESTAMP) AND f.committed_at >= CAST($2 AS TIMESTAMP) AND f.offender_id IN (SELECT perpetrator_id FROM scope)
  AND (f.recorded_at IS NULL OR f.recorded_at <= CAST($1 AS TIMESTAMP))
GROUP BY f.offender_id
ORDER BY perpetrator_id
