-- name: plans
-- purpose: every problem-management plan with its relationship and dates
-- inputs: pmps
-- outputs: pmp_id, relationship_id, victim_id, perpetrator_id, opened_at, finalised_at, status ('' if none), stage_at_opening (0 if none); by plan
-- source: the unit's PMPs, SARA model (context.md)
SELECT pmp_id, relationship_id, victim_id, perpetrator_id, opened_at, finalised_at, coalesce(status, ''),
       coalesce(stage_at_opening, 0)
FROM pmps ORDER BY pmp_id
