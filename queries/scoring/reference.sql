-- name: reference
-- purpose: the scoring benchmark's reference: the least work any sticky computation must do (answers counted per relationship and item)
-- inputs: answers, assessments
-- outputs: one row: the number of (relationship, item) groups
-- source: tau bench (README, Benchmarks)
SELECT count(*) FROM (SELECT s.relationship_id, n.item, count(*) AS answers
FROM answers n JOIN assessments s USING (assessment_id) GROUP BY ALL)
