-- name: outcomes
-- purpose: the offences of the evaluated plans' perpetrators that carry a recorded outcome (charge, caution, ...), for the follow-up's outcomes
-- inputs: offences; $perpetrators the evaluated plans' perpetrator ids joined by chr(31) (a dip sample reads 19 perpetrators' offences, not every planned one's)
-- outputs: offender_id, committed_at, outcome; by offender and date
-- source: the unit's outputs beside its results (issue: plan outputs); outcomes as the force records them
SELECT f.offender_id, f.committed_at, f.outcome FROM offences f
WHERE f.outcome IS NOT NULL AND f.offender_id IN (SELECT unnest(string_split($perpetrators, chr(31))))
ORDER BY f.offender_id, f.committed_at
