-- name: changes
-- purpose: what changed between two score snapshots of one configuration: every relationship new to red, up a band or a stage, with a new cluster or active item, out of red, or whose plans all closed in the year before the later date while its score rises
-- inputs: scores_scores, scores_items, pmps, persons; $cfg configuration hash, $from the earlier snapshot date, $to the later
-- outputs: relationship_id, victim_id, perpetrator_id, listed (in the later snapshot), rank, band, stage, total_score, clusters, area, officer_grade, from_band ('' if not in the earlier), from_stage, from_total, new_clusters, plan_closed_rising, new items (a list of item, assessment and day; NULL if none); by the later rank, then those no longer listed
-- source: the unit's watch on changes of band and stage (the homicide timeline: Monckton Smith 2020; context.md "changes of stage are watched")
WITH a AS (SELECT * FROM scores_scores WHERE config_hash = $cfg AND as_of = $from),
b AS (SELECT * FROM scores_scores WHERE config_hash = $cfg AND as_of = $to),
new_items AS (
  -- for relationships in both snapshots, the active items the earlier
  -- lacked, with their sources (one new to the list is new as a whole)
  SELECT ib.relationship_id, list(struct_pack(item := ib.item, assessment := ib.source_assessment_id, day := ib.source_date) ORDER BY ib.item) AS items
  FROM (SELECT relationship_id, item, source_assessment_id, source_date FROM scores_items WHERE config = $cfg AND as_of = $to) ib
  ANTI JOIN (SELECT relationship_id, item FROM scores_items WHERE config = $cfg AND as_of = $from) ia USING (relationship_id, item)
  SEMI JOIN a USING (relationship_id)
  GROUP BY ib.relationship_id
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
         b.relationship_id IS NOT NULL AS listed, coalesce(b."rank", a."rank") AS "rank",
         coalesce(b.band, '') AS band, coalesce(b.stage, 0) AS stage, coalesce(b.total_score, 0) AS total_score,
         coalesce(b.clusters, a.clusters) AS clusters, coalesce(b.officer_grade, a.officer_grade, '') AS officer_grade,
         coalesce(a.band, '') AS from_band, coalesce(a.stage, 0) AS from_stage, coalesce(a.total_score, 0) AS from_total,
         CASE WHEN a.relationship_id IS NULL THEN []::VARCHAR[] ELSE list_filter(b.clusters, x -> NOT list_contains(a.clusters, x)) END AS new_clusters,
         c.relationship_id IS NOT NULL AND b.total_score > a.total_score AS plan_closed_rising
  FROM a FULL JOIN b USING (relationship_id) LEFT JOIN closed c ON c.relationship_id = coalesce(b.relationship_id, a.relationship_id)
)
SELECT j.relationship_id, j.victim_id, j.perpetrator_id, j.listed, j."rank", j.band, j.stage, j.total_score, j.clusters,
       coalesce(p.area, '') AS area, j.officer_grade, j.from_band, j.from_stage, j.from_total, coalesce(j.new_clusters, []::VARCHAR[]),
       coalesce(j.plan_closed_rising, false), ni.items
FROM j LEFT JOIN persons p ON p.person_id = j.victim_id LEFT JOIN new_items ni ON ni.relationship_id = j.relationship_id
WHERE (j.band = 'red' AND j.from_band <> 'red')
   OR (j.from_band = 'red' AND j.band <> 'red')
   OR (j.from_band <> '' AND j.band <> '' AND (CASE j.band WHEN 'red' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END) > (CASE j.from_band WHEN 'red' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END))
   OR (j.from_band <> '' AND j.band <> '' AND j.stage > j.from_stage)
   OR len(coalesce(j.new_clusters, [])) > 0
   OR coalesce(j.plan_closed_rising, false)
   OR ni.items IS NOT NULL
ORDER BY NOT j.listed, j."rank"
