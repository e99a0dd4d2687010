-- name: occurrences_of
-- purpose: the occurrences of some relationships: a dip sample's plans and their shortlisted comparisons, once matched
-- inputs: occurrences; $ids the relationship ids joined by chr(31)
-- outputs: relationship_id, reported_at
-- source: the evaluation's windows (evaluation.Occurrences)
SELECT relationship_id, reported_at FROM occurrences
WHERE relationship_id IN (SELECT unnest(string_split($ids, chr(31))))
