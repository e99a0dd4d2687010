-- name: dash_items_known
-- purpose: answers to police DASH 2009 assessments use item ids Q1..Q27
-- inputs: answers, assessments
-- outputs: item, answers
-- severity: warn
-- source: DASH 2009 has 27 questions (Richards 2009; item table in scoring's configuration); another id is usually a SafeLives or force numbering
SELECT x.item, count(*) AS answers FROM answers x JOIN assessments a USING (assessment_id)
WHERE a.instrument = 'dash_police_2009'
  AND NOT (x.item SIMILAR TO 'Q[0-9]{1,2}' AND CAST(substr(x.item, 2) AS INTEGER) BETWEEN 1 AND 27)
GROUP BY ALL
