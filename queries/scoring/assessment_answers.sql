-- name: assessment_answers
-- purpose: every assessment up to the as-of date of each perpetrator in scope, in every one of his relationships (so his items roll up), with its answers as item sets; Go folds them in order into each item's history (first and last yes, latest answer, the later no or not known a sticky yes is held against)
-- inputs: assessments, answer_sets, scope; $1 = as-of date
-- outputs: sorted by perpetrator, relationship, completion time and assessment id: perpetrator_id, relationship_id, assessment_id, completed_at, instrument, officer_grade, answered, yes, no, not_known (bit n for item Qn), other (answers to items outside Q1..Q63, read by other_answers)
-- source: sticky rules, research notes domain 6.1 (ever items stay yes; window items last n months; current items from the latest assessment only; not known never a yes; perpetrator items roll up across his relationships, dyad items with another victim are stage 1 evidence, Monckton Smith 2020). Only the assessments are read, not every answer: the answer sets were built at load (queries/warehouse/answer_sets.sql).
SELECT s.perpetrator_id, s.relationship_id, s.assessment_id, s.completed_at, s.instrument, s.officer_grade,
  coalesce(a.answered, 0::UBIGINT), coalesce(a.yes, 0::UBIGINT), coalesce(a.no, 0::UBIGINT), coalesce(a.not_known, 0::UBIGINT),
  coalesce(a.other, 0)
FROM assessments s LEFT JOIN answer_sets a USING (assessment_id)
WHERE s.completed_at <= CAST($1 AS TIMESTAMP) AND s.perpetrator_id IN (SELECT perpetrator_id FROM scope)
ORDER BY s.perpetrator_id, s.relationship_id, s.completed_at, s.assessment_id
