-- name: item_histories
-- purpose: per relationship and canonical item, what the sticky rules need: first and latest yes, the latest answer, and the latest no or not-known after the first yes
-- inputs: answers, assessments, scope, crosswalk (instrument, item, canonical), item_classes (item, class); $1 = as-of date
-- outputs: relationship_id, item, first_yes_id, first_yes_at, last_yes_id, last_yes_at, latest_id, latest_at, latest_answer, conflict_id, conflict_at, conflict_answer
-- source: sticky rules, research notes domain 6.1 (ever items stay yes; window items last n months; current items from the latest assessment only; not known never a yes). Only rows a rule can use are returned: ever and window items with a yes, other items whose latest answer is yes.
WITH a AS (
  SELECT s.relationship_id, s.assessment_id, s.completed_at AS answered_at, x.canonical AS item, n.answer
  FROM answers n
  JOIN assessments s USING (assessment_id)
  JOIN scope USING (relationship_id)
  JOIN crosswalk x ON x.instrument = s.instrument AND x.item = n.item
  WHERE s.completed_at <= CAST($1 AS TIMESTAMP)
),
h AS (
  SELECT relationship_id, item,
    arg_min(assessment_id, (answered_at, assessment_id)) FILTER (WHERE answer = 'yes') AS first_yes_id,
    min((answered_at, assessment_id)) FILTER (WHERE answer = 'yes') AS first_yes_key,
    arg_max(assessment_id, (answered_at, assessment_id)) FILTER (WHERE answer = 'yes') AS last_yes_id,
    max(answered_at) FILTER (WHERE answer = 'yes') AS last_yes_at,
    arg_max(assessment_id, (answered_at, assessment_id)) AS latest_id,
    max(answered_at) AS latest_at,
    arg_max(answer, (answered_at, assessment_id)) AS latest_answer
  FROM a GROUP BY relationship_id, item
),
c AS (
  SELECT a.relationship_id, a.item,
    arg_max(a.assessment_id, (a.answered_at, a.assessment_id)) AS conflict_id,
    max(a.answered_at) AS conflict_at,
    arg_max(a.answer, (a.answered_at, a.assessment_id)) AS conflict_answer
  FROM a JOIN h USING (relationship_id, item)
  WHERE a.answer IN ('no', 'not_known') AND h.first_yes_key IS NOT NULL AND (a.answered_at, a.assessment_id) > h.first_yes_key
  GROUP BY a.relationship_id, a.item
)
SELECT h.relationship_id, h.item, h.first_yes_id, h.first_yes_key[1] AS first_yes_at, h.last_yes_id, h.last_yes_at,
  h.latest_id, h.latest_at, h.latest_answer, c.conflict_id, c.conflict_at, c.conflict_answer
FROM h JOIN item_classes k USING (item) LEFT JOIN c USING (relationship_id, item)
WHERE (k.class IN ('ever', 'window') AND h.first_yes_id IS NOT NULL)
   OR (k.class NOT IN ('ever', 'window') AND h.latest_answer = 'yes')
