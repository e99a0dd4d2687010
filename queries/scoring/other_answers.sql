-- name: other_answers
-- purpose: the answers the item sets do not hold (items not spelled Q1..Q63, such as a force-defined instrument's), for the assessments of assessment_answers that have any
-- inputs: answers, assessments, answer_sets, scope; $1 = as-of date
-- outputs: sorted by perpetrator: perpetrator_id, assessment_id, item, answer
-- source: as assessment_answers; read only when some assessment has such answers
SELECT s.perpetrator_id, n.assessment_id, n.item, n.answer
FROM answers n JOIN assessments s USING (assessment_id)
WHERE n.assessment_id IN (SELECT assessment_id FROM answer_sets WHERE other > 0)
  AND s.completed_at <= CAST($1 AS TIMESTAMP) AND s.perpetrator_id IN (SELECT perpetrator_id FROM scope)
  -- the items the sets hold (queries/warehouse/answer_sets.sql) are not read again
  AND NOT coalesce(n.item[1] = 'Q' AND n.item[2] BETWEEN '1' AND '9' AND length(n.item) <= 3 AND try_cast(n.item[2:] AS UTINYINT) <= 63, false)
ORDER BY s.perpetrator_id, s.completed_at, n.assessment_id, n.item
