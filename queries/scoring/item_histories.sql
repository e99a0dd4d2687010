-- name: item_histories
-- purpose: per relationship and canonical item, what the sticky rules need to decide what is active: the first and latest yes of ever and window items, and the yes answers of the latest assessment for the other classes
-- inputs: answers, assessments, scope, item_map (instrument, item, canonical, class); $1 = as-of date
-- outputs: sorted by perpetrator, then relationship: perpetrator_id, relationship_id, item, first_yes_id, first_yes_at, last_yes_id, last_yes_at, latest_id, latest_at, latest_answer
-- source: sticky rules, research notes domain 6.1 (ever items stay yes; window items last n months; current items from the latest assessment only; not known never a yes). Each temporal class reads only what it needs: yes answers, and the latest assessment. The later no or not-known answers a sticky item is held against are found by explain, for one relationship.
WITH s AS (
  SELECT s.relationship_id, s.assessment_id, s.instrument, s.completed_at AS answered_at,
    row_number() OVER (ORDER BY s.completed_at, s.assessment_id) AS ord
  FROM assessments s JOIN scope USING (relationship_id) WHERE s.completed_at <= CAST($1 AS TIMESTAMP)
),
latest AS (
  SELECT relationship_id, arg_max(assessment_id, ord) AS latest_id, arg_max(answered_at, ord) AS latest_at
  FROM s GROUP BY relationship_id
),
y AS (
  SELECT s.relationship_id, s.assessment_id, s.answered_at, s.ord, m.canonical AS item, m.class
  FROM answers n JOIN s USING (assessment_id)
  JOIN item_map m ON m.instrument = s.instrument AND m.item = n.item
  WHERE n.answer = 'yes'
),
yes AS (
  SELECT relationship_id, item,
    arg_min(assessment_id, ord) AS first_yes_id, arg_min(answered_at, ord) AS first_yes_at,
    arg_max(assessment_id, ord) AS last_yes_id, arg_max(answered_at, ord) AS last_yes_at
  FROM y WHERE class IN ('ever', 'window') GROUP BY relationship_id, item
),
cur AS (
  SELECT y.relationship_id, y.item, l.latest_id, l.latest_at, 'yes' AS latest_answer
  FROM y JOIN latest l ON y.assessment_id = l.latest_id
  WHERE y.class NOT IN ('ever', 'window')
)
SELECT scope.perpetrator_id, h.* FROM (
  SELECT relationship_id, item, first_yes_id, first_yes_at, last_yes_id, last_yes_at,
    NULL::VARCHAR AS latest_id, NULL::TIMESTAMP AS latest_at, NULL::VARCHAR AS latest_answer
  FROM yes
  UNION ALL
  SELECT relationship_id, item, NULL, NULL, NULL, NULL, latest_id, latest_at, latest_answer FROM cur
) AS h JOIN scope USING (relationship_id)
ORDER BY scope.perpetrator_id, h.relationship_id
