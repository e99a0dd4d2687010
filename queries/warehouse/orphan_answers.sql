-- name: orphan_answers
-- purpose: the assessments that answers name but that were not loaded (missing from assessments.csv, or rejected there)
-- inputs: agg_answers (the answer sets just written), k_assessments (the loaded assessment ids)
-- outputs: assessment_id
-- source: extract contract (answers refer to assessments); checked once per assessment, not once per answer
SELECT assessment_id FROM agg_answers WHERE assessment_id NOT IN (SELECT k FROM k_assessments)
