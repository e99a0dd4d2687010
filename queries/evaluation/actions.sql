-- name: actions
-- purpose: every plan's actions, for the outputs an evaluation shows beside its results
-- inputs: pmp_actions
-- outputs: pmp_id, action_type, raised_at, completed_at (NULL while open); by plan, then date raised
-- source: the unit's PMP actions (context.md: disclosures, civil orders, arrests, referrals, visits)
SELECT pmp_id, action_type, raised_at, completed_at FROM pmp_actions ORDER BY pmp_id, raised_at, action_id
