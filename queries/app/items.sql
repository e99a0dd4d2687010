-- name: items
-- purpose: one relationship's active items in a snapshot, with each source and the later answer a sticky yes is held against
-- inputs: scores_items; $rel relationship, $cfg configuration hash, $asof snapshot date, $rank its rank in the snapshot (the items are in rank order, so the rank finds them in one row group; the caller leaves the line out for a snapshot written before items kept their rank, read by the relationship alone)
-- outputs: item, source_assessment_id, source_relationship_id ('' if its own), source_date, sticky, from_other_relationship, held_against_assessment_id, held_against_answer, held_against_date; by item
-- source: sticky clusters (context.md): an "ever" yes stays yes; officers are shown the assessment and answer it came from
SELECT item, source_assessment_id, coalesce(source_relationship_id, ''), source_date, sticky,
  from_other_relationship, coalesce(held_against_assessment_id, ''), coalesce(held_against_answer, ''), held_against_date
FROM scores_items WHERE relationship_id = $rel AND config = $cfg AND as_of = $asof
  AND "rank" = $rank -- only with $rank
ORDER BY item
