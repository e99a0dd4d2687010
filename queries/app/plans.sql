-- name: plans
-- purpose: plans with their actions, for one relationship's page or for the board of open plans
-- inputs: pmps, pmp_actions, persons; $rel relationship ('' for any), $open only plans still open (no finalised date, status open or none); for one relationship the caller keeps the lines "only with $rel" and leaves persons out (its page has the victim's area from the snapshot: nationally persons are 3.6 million rows)
-- outputs: pmp_id, relationship_id, victim_id, perpetrator_id, victim's area ('' if none), status, opened_at, finalised_at, stage_at_opening, then each action's action_id, action_type, owner, raised_at, due_at, completed_at, consent_required, consent_given (NULL for a plan with none); by opening, plan, date raised, action
-- source: the unit's PMPs and their actions (context.md), SARA model
SELECT p.pmp_id, p.relationship_id, p.victim_id, p.perpetrator_id,
  coalesce(v.area, ''), -- only without $rel
  '', -- only with $rel
  coalesce(p.status, ''), p.opened_at, p.finalised_at, coalesce(p.stage_at_opening, 0),
  a.action_id, a.action_type, a.owner, a.raised_at, a.due_at, a.completed_at, a.consent_required, a.consent_given
FROM pmps p LEFT JOIN pmp_actions a ON a.pmp_id = p.pmp_id
  LEFT JOIN persons v ON v.person_id = p.victim_id -- only without $rel
WHERE ($rel = '' OR p.relationship_id = $rel)
  AND (NOT $open OR (p.finalised_at IS NULL AND coalesce(p.status, 'open') = 'open'))
ORDER BY p.opened_at, p.pmp_id, a.raised_at, a.action_id
