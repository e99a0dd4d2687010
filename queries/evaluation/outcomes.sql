-- name: outcomes
-- purpose: the offences of perpetrators with a plan that carry a recorded outcome (charge, caution, ...), for the follow-up's outcomes
-- inputs: offences, pmps
-- outputs: offender_id, committed_at, outcome; by offender and date
-- source: the unit's outputs beside its results (issue: plan outputs); outcomes as the force records them
SELECT f.offender_id, f.committed_at, f.outcome FROM offences f
WHERE f.outcome IS NOT NULL AND f.offender_id IN (SELECT perpetrator_id FROM pmps)
ORDER BY f.offender_id, f.committed_at
