-- name: hidden_items
-- purpose: the active items, with sources, and the record facts the cluster rules were given, of every relationship on a snapshot's hidden-threat queue (red or amber, latest officer grade standard or medium)
-- inputs: scores_items, scores_scores; $cfg configuration hash, $asof snapshot date, $lo and $hi the page's first and last places on the queue (1-based, by rank)
-- outputs: relationship_id, item (or fact), source_assessment_id, source_date (NULL for a fact); by relationship and item
-- source: the seed's hidden threat: a standard or medium DASH can hide a high threat (context.md)
-- The page is found by rank and its items by their score's rank (both
-- files are in rank order, so a page reads a few row groups of the
-- snapshot's 13 million items nationally); items of a snapshot written
-- before they kept their rank are found by relationship (the caller
-- leaves out the line marked "only with $indexed").
WITH q AS (
  SELECT "rank", row_number() OVER (ORDER BY "rank") AS place FROM scores_scores
  WHERE config_hash = $cfg AND as_of = $asof AND band IN ('red', 'amber') AND lower(officer_grade) IN ('standard', 'medium')
),
page AS (
  SELECT s.relationship_id, s."rank", s.facts FROM scores_scores s JOIN (SELECT "rank" FROM q WHERE place BETWEEN $lo AND $hi) USING ("rank")
  WHERE s.config_hash = $cfg AND s.as_of = $asof
)
SELECT i.relationship_id, i.item, i.source_assessment_id, i.source_date
FROM scores_items i JOIN page ON i.relationship_id = page.relationship_id
  AND i."rank" = page."rank" -- only with $indexed
WHERE i.config = $cfg AND i.as_of = $asof
UNION ALL
SELECT relationship_id, unnest(facts), NULL, NULL FROM page
ORDER BY 1, 2
