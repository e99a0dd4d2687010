-- name: relationship_not_self
-- purpose: no relationship has the same person as victim and perpetrator
-- inputs: relationships
-- outputs: relationship_id, victim_id
-- severity: error
-- source: definition of a relationship as an ordered (victim, perpetrator) pair of two people
SELECT relationship_id, victim_id FROM relationships WHERE victim_id = perpetrator_id
