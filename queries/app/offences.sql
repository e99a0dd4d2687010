-- name: offences
-- purpose: the perpetrator's offences in the lookback, for the harm section of the relationship page; an offence recorded (recorded_at) after the as-of date is left out, as it was not known then
-- inputs: offences; $perp offender, $start start of the lookback, $end end of the as-of date
-- outputs: offence_id, offence_code, committed_at; by date
-- source: harm from the Cambridge Crime Harm Index (Sherman et al. 2016), the perpetrator's offending against anyone
SELECT offence_id, offence_code, committed_at FROM offences WHERE offender_id = $perp AND committed_at >= $start AND committed_at <= $end
  AND (recorded_at IS NULL OR recorded_at <= $end)
ORDER BY committed_at
