-- name: assessments_have_answers
-- purpose: every assessment has at least one answer (an assessment with none adds nothing to scoring)
-- inputs: assessments, answers
-- outputs: assessment_id, instrument, completed_at
-- severity: warn
-- source: extract contract; usually a partial export of answers.csv
SELECT a.assessment_id, a.instrument, a.completed_at FROM assessments a
WHERE NOT EXISTS (SELECT 1 FROM answers x WHERE x.assessment_id = a.assessment_id)
