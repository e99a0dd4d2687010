-- name: perpetrator_yes
-- purpose: yes answers about a perpetrator to ever items (about him or the dyad), per relationship, so they roll up to his other relationships
-- inputs: answers, assessments, crosswalk, item_classes; $1 = as-of date
-- outputs: perpetrator_id, relationship_id, item, assessment_id, answered_at (the first yes in that relationship)
-- source: research notes domain 6.1 (perpetrator-subject items roll up across his relationships; dyad items with another victim are stage 1 evidence, Monckton Smith 2020)
SELECT s.perpetrator_id, s.relationship_id, x.canonical AS item,
  arg_min(s.assessment_id, (s.completed_at, s.assessment_id)) AS assessment_id, min(s.completed_at) AS answered_at
FROM answers n
JOIN assessments s USING (assessment_id)
JOIN crosswalk x ON x.instrument = s.instrument AND x.item = n.item
JOIN item_classes k ON k.item = x.canonical
WHERE n.answer = 'yes' AND k.class = 'ever' AND k.subject IN ('perpetrator', 'dyad') AND s.completed_at <= CAST($1 AS TIMESTAMP)
  AND s.perpetrator_id IN (SELECT perpetrator_id FROM scope)
  -- only a perpetrator with another relationship has anything to roll up
  AND s.perpetrator_id IN (SELECT perpetrator_id FROM relationships GROUP BY perpetrator_id HAVING count(*) > 1)
GROUP BY ALL
ORDER BY perpetrator_id, relationship_id, item
