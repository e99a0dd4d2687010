-- name: keys_unique
-- purpose: every person, occurrence, assessment, plan and action id is unique in its table
-- inputs: persons, occurrences, assessments, pmps, pmp_actions
-- outputs: one row per repeated id (table, id, copies)
-- severity: error
-- source: extract contract (README, "The extract contract"); the loader drops identical repeats and rejects conflicts
SELECT 'persons' AS "table", person_id AS id, count(*) AS copies FROM persons GROUP BY ALL HAVING count(*) > 1
UNION ALL SELECT 'occurrences', occurrence_id, count(*) FROM occurrences GROUP BY ALL HAVING count(*) > 1
UNION ALL SELECT 'assessments', assessment_id, count(*) FROM assessments GROUP BY ALL HAVING count(*) > 1
UNION ALL SELECT 'pmps', pmp_id, count(*) FROM pmps GROUP BY ALL HAVING count(*) > 1
UNION ALL SELECT 'pmp_actions', action_id, count(*) FROM pmp_actions GROUP BY ALL HAVING count(*) > 1
