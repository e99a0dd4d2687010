-- name: changes
-- purpose: what changed between two score snapshots of one configuration: every relationship new to red, up a band or a stage, with a new cluster or active item, out of red, or whose plans all closed in the year before the later date while its score rises
-- inputs: scores_scores, scores_items, pmps (and persons for snapshots written before they kept the victim's area); $cfg configuration hash, $from the earlier snapshot date, $to the later
-- outputs: relationship_id, victim_id, perpetrator_id, listed (in the later snapshot), rank, band, stage, total_score, clusters, area, officer_grade, from_band ('' if not in the earlier), from_stage, from_total, new_clusters, plan_closed_rising, new items (a list of item, assessment and day; NULL if none); by the later rank, then those no longer listed
-- source: the unit's watch on changes of band and stage (the homicide timeline: Monckton Smith 2020; context.md "changes of stage are watched")
-- Nationally a snapshot is 2 million rows and 13 million items: the two
-- snapshots are joined on the few columns the changes need, a
-- relationship's new items are the later list less the earlier (the
-- snapshot's own items column), and only the changed rows with new items
-- have their sources read from the items table; the area is the
-- snapshots' own (the caller keeps the lines "only with $indexed" when
-- both snapshots have it, else those "only without", reading persons).
WITH a AS (
  SELECT relationship_id, victim_id, perpetrator_id, "rank", band, stage, total_score, clusters, items, officer_grade, area
  FROM scores_scores WHERE config_hash = $cfg AND as_of = $from
),
b AS (
  SELECT relationship_id, victim_id, perpetrator_id, "rank", band, stage, total_score, clusters, items, officer_grade, area
  FROM scores_scores WHERE config_hash = $cfg AND as_of = $to
),
closed AS (
  -- every plan of the relationship finalised by the later date, the last
  -- within the year before it (a plan closed long ago is history, not news)
  SELECT relationship_id FROM pmps GROUP BY relationship_id
  HAVING bool_and(finalised_at IS NOT NULL AND finalised_at::DATE <= $to) AND max(finalised_at)::DATE > $to - INTERVAL 365 DAY
),
j AS (
  SELECT coalesce(b.relationship_id, a.relationship_id) AS relationship_id,
         coalesce(b.victim_id, a.victim_id) AS victim_id, coalesce(b.perpetrator_id, a.perpetrator_id) AS perpetrator_id,
         b.relationship_id IS NOT NULL AS listed, coalesce(b."rank", a."rank") AS "rank", b."rank" AS to_rank,
         coalesce(b.band, '') AS band, coalesce(b.stage, 0) AS stage, coalesce(b.total_score, 0) AS total_score,
         coalesce(b.clusters, a.clusters) AS clusters, coalesce(b.officer_grade, a.officer_grade, '') AS officer_grade,
         coalesce(b.area, a.area, '') AS area,
         coalesce(a.band, '') AS from_band, coalesce(a.stage, 0) AS from_stage, coalesce(a.total_score, 0) AS from_total,
         CASE WHEN a.relationship_id IS NULL THEN []::VARCHAR[] ELSE list_filter(b.clusters, x -> NOT list_contains(a.clusters, x)) END AS new_clusters,
         CASE WHEN a.relationship_id IS NULL OR b.relationship_id IS NULL THEN []::VARCHAR[] ELSE list_filter(b.items, x -> NOT list_contains(a.items, x)) END AS new_item_ids,
         c.relationship_id IS NOT NULL AND b.total_score > a.total_score AS plan_closed_rising
  FROM a FULL JOIN b USING (relationship_id) LEFT JOIN closed c ON c.relationship_id = coalesce(b.relationship_id, a.relationship_id)
),
changed AS (
  SELECT * FROM j
  WHERE (band = 'red' AND from_band <> 'red')
     OR (from_band = 'red' AND band <> 'red')
     OR (from_band <> '' AND band <> '' AND (CASE band WHEN 'red' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END) > (CASE from_band WHEN 'red' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END))
     OR (from_band <> '' AND band <> '' AND stage > from_stage)
     OR len(coalesce(new_clusters, [])) > 0
     OR coalesce(plan_closed_rising, false)
     OR len(coalesce(new_item_ids, [])) > 0
),
new_items AS (
  -- the new items' sources, read for the changed rows that have any
  SELECT i.relationship_id, list(struct_pack(item := i.item, assessment := i.source_assessment_id, day := i.source_date) ORDER BY i.item) AS items
  FROM scores_items i JOIN (SELECT relationship_id, unnest(new_item_ids) AS item FROM changed WHERE len(new_item_ids) > 0) n
    ON n.relationship_id = i.relationship_id AND n.item = i.item
  WHERE i.config = $cfg AND i.as_of = $to
  GROUP BY i.relationship_id
)
SELECT c.relationship_id, c.victim_id, c.perpetrator_id, c.listed, c."rank", c.band, c.stage, c.total_score, c.clusters,
       c.area, -- only with $indexed
       coalesce(p.area, '') AS area, -- only without $indexed
       c.officer_grade, c.from_band, c.from_stage, c.from_total, coalesce(c.new_clusters, []::VARCHAR[]),
       coalesce(c.plan_closed_rising, false), ni.items
FROM changed c LEFT JOIN new_items ni USING (relationship_id)
  LEFT JOIN persons p ON p.person_id = c.victim_id -- only without $indexed
ORDER BY NOT c.listed, c."rank"
