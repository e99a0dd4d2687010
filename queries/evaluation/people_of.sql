-- name: people_of
-- purpose: the victim and perpetrator of some relationships: a dip sample's shortlisted comparisons, once matched
-- inputs: relationships; $ids the relationship ids joined by chr(31)
-- outputs: relationship_id, victim_id, perpetrator_id
-- source: the comparison group's matching (evaluation.DirectMatch)
SELECT relationship_id, victim_id, perpetrator_id FROM relationships
WHERE relationship_id IN (SELECT unnest(string_split($ids, chr(31))))
