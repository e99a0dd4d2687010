-- name: history
-- purpose: every answer of one relationship's assessments, for explain's stage at each assessment date
-- inputs: answers, assessments; ? = relationship id
-- outputs: assessment_id, completed_at, instrument, item, answer; by date then assessment
-- source: sticky clusters (context.md): an officer is shown the whole history, not the latest DASH
SELECT s.assessment_id, s.completed_at, s.instrument, n.item, n.answer
FROM answers n JOIN assessments s USING (assessment_id) WHERE s.relationship_id = ? ORDER BY s.completed_at, s.assessment_id
