-- name: actions
-- purpose: the evaluated plans' actions, for the outputs an evaluation shows beside its results
-- inputs: pmp_actions; $plans the evaluated plans' ids joined by chr(31)
-- outputs: pmp_id, action_type, raised_at, completed_at (NULL while open); by plan, then date raised
-- source: the unit's PMP actions (context.md: disclosures, civil orders, arrests, referrals, visits)
SELECT pmp_id, action_type, raised_at, completed_at FROM pmp_actions
WHERE pmp_id IN (SELECT unnest(string_split($plans, chr(31))))
ORDER BY pmp_id, raised_at, action_id
