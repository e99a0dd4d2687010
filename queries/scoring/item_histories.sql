-- name: item_histories
-- purpose: per relationship and canonical item, what the sticky rules need: first and latest yes, the latest assessment's answer, and the latest no or not-known after the first yes
-- inputs: answers, assessments, scope, crosswalk (instrument, item, canonical), item_classes (item, class); $1 = as-of date
-- outputs: relationship_id, item, first_yes_id, first_yes_at, last_yes_id, last_yes_at, latest_id, latest_at, latest_answer, conflict_id, conflict_at, conflict_answer
-- source: sticky rules, research notes domain 6.1 (ever items stay yes; window items last n months; current items from the latest assessment only; not known never a yes). Each temporal class reads only what it needs: yes answers for ever and window items, the latest assessment's answers for the others, and no or not-known answers only where an ever item has a yes.
WITH s AS (
  SELECT s.relationship_id, s.assessment_id, s.instrument, s.completed_at AS answered_at
  FROM assessments s JOIN scope USING (relationship_id) WHERE s.completed_at <= CAST($1 AS TIMESTAMP)
),
latest AS (
  SELECT relationship_id, arg_max(assessment_id, (answered_at, assessment_id)) AS latest_id, max(answered_at) AS latest_at
  FROM s GROUP BY relationship_id
),
a_yes AS (
  SELECT s.relationship_id, s.assessment_id, s.answered_at, x.canonical AS item
  FROM answers n JOIN s USING (assessment_id)
  JOIN crosswalk x ON x.instrument = s.instrument AND x.item = n.item
  JOIN item_classes k ON k.item = x.canonical
  WHERE n.answer = 'yes' AND k.class IN ('ever', 'window')
),
yes AS (
  SELECT relationship_id, item,
    arg_min(assessment_id, (answered_at, assessment_id)) AS first_yes_id, min(answered_at) AS first_yes_at,
    arg_max(assessment_id, (answered_at, assessment_id)) AS last_yes_id, max(answered_at) AS last_yes_at
  FROM a_yes GROUP BY relationship_id, item
),
cur AS (
  SELECT l.relationship_id, x.canonical AS item, l.latest_id, l.latest_at, n.answer AS latest_answer
  FROM answers n JOIN latest l ON n.assessment_id = l.latest_id
  JOIN s ON s.assessment_id = l.latest_id
  JOIN crosswalk x ON x.instrument = s.instrument AND x.item = n.item
  JOIN item_classes k ON k.item = x.canonical
  WHERE n.answer = 'yes' AND k.class NOT IN ('ever', 'window')
),
a_no AS (
  SELECT s.relationship_id, s.assessment_id, s.answered_at, x.canonical AS item, n.answer
  FROM answers n JOIN s USING (assessment_id)
  JOIN crosswalk x ON x.instrument = s.instrument AND x.item = n.item
  JOIN item_classes k ON k.item = x.canonical
  WHERE n.answer IN ('no', 'not_known') AND k.class = 'ever'
),
c AS (
  SELECT a.relationship_id, a.item,
    arg_max(a.assessment_id, (a.answered_at, a.assessment_id)) AS conflict_id,
    max(a.answered_at) AS conflict_at,
    arg_max(a.answer, (a.answered_at, a.assessment_id)) AS conflict_answer
  FROM a_no a JOIN yes y USING (relationship_id, item)
  WHERE (a.answered_at > y.first_yes_at OR (a.answered_at = y.first_yes_at AND a.assessment_id > y.first_yes_id))
  GROUP BY a.relationship_id, a.item
)
SELECT y.relationship_id, y.item, y.first_yes_id, y.first_yes_at, y.last_yes_id, y.last_yes_at,
  NULL::VARCHAR AS latest_id, NULL::TIMESTAMP AS latest_at, NULL::VARCHAR AS latest_answer, c.conflict_id, c.conflict_at, c.conflict_answer
FROM yes y LEFT JOIN c USING (relationship_id, item)
UNION ALL
SELECT relationship_id, item, NULL, NULL, NULL, NULL, latest_id, latest_at, latest_answer, NULL, NULL, NULL FROM cur
