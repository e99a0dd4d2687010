-- name: hidden_items
-- purpose: the active items, with sources, and the record facts the cluster rules were given, of every relationship on a snapshot's hidden-threat queue (red or amber, latest officer grade standard or medium)
-- inputs: scores_items, scores_scores; $cfg configuration hash, $asof snapshot date, $lo and $hi the page's first and last places on the queue (1-based, by rank)
-- outputs: relationship_id, item (or fact), source_assessment_id, source_date (NULL for a fact); by relationship and item
-- source: the seed's hidden threat: a standard or medium DASH can hide a high threat (context.md)
WITH q AS (
  SELECT relationship_id, facts, row_number() OVER (ORDER BY "rank") AS place FROM scores_scores
  WHERE config_hash = $cfg AND as_of = $asof AND band IN ('red', 'amber') AND lower(officer_grade) IN ('standard', 'medium')
),
page AS (SELECT relationship_id, facts FROM q WHERE place BETWEEN $lo AND $hi)
SELECT i.relationship_id, i.item, i.source_assessment_id, i.source_date
FROM scores_items i JOIN page USING (relationship_id)
WHERE i.config = $cfg AND i.as_of = $asof
UNION ALL
SELECT relationship_id, unnest(facts), NULL, NULL FROM page
ORDER BY 1, 2
