-- name: pmp_relationship_known
-- purpose: every plan's relationship has at least one occurrence or assessment
-- inputs: pmps, relationships
-- outputs: pmp_id, relationship_id
-- severity: warn
-- source: a plan is opened for a relationship known to police; none suggests swapped victim and perpetrator ids
SELECT p.pmp_id, p.relationship_id FROM pmps p JOIN relationships r USING (relationship_id)
WHERE r.occurrences = 0 AND r.assessments = 0
