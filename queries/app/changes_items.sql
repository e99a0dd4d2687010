-- name: changes_items
-- purpose: the active items a relationship has in the later of two snapshots and did not have in the earlier, with their sources
-- inputs: scores_items; $cfg configuration hash, $from the earlier snapshot date, $to the later
-- outputs: relationship_id, item, source_assessment_id, source_date; by relationship and item (relationships in both snapshots only: one new to the list is new as a whole)
-- source: sticky clusters (context.md): officers are shown where each point comes from
WITH a AS (SELECT relationship_id, item FROM scores_items WHERE config = $cfg AND as_of = $from),
b AS (SELECT relationship_id, item, source_assessment_id, source_date FROM scores_items WHERE config = $cfg AND as_of = $to)
SELECT b.relationship_id, b.item, b.source_assessment_id, b.source_date
FROM b ANTI JOIN a USING (relationship_id, item)
WHERE b.relationship_id IN (SELECT relationship_id FROM a)
ORDER BY b.relationship_id, b.item
