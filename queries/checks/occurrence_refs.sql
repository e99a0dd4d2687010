-- name: occurrence_refs
-- purpose: occurrence ids named by assessments and offences exist in occurrences
-- inputs: assessments, offences, occurrences
-- outputs: table, id, occurrence_id
-- severity: warn
-- source: extract contract (occurrence_id is optional; a dangling one suggests an incomplete occurrences export)
SELECT 'assessments' AS "table", assessment_id AS id, occurrence_id FROM assessments
WHERE occurrence_id IS NOT NULL AND occurrence_id NOT IN (SELECT occurrence_id FROM occurrences)
UNION ALL
SELECT 'offences', offence_id, occurrence_id FROM offences
WHERE occurrence_id IS NOT NULL AND occurrence_id NOT IN (SELECT occurrence_id FROM occurrences)
