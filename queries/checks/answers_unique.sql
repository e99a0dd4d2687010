-- name: answers_unique
-- purpose: an assessment answers each item at most once
-- inputs: answers
-- outputs: assessment_id, item, copies
-- severity: error
-- source: extract contract; a second answer to the same item cannot be told apart from the first
SELECT assessment_id, item, count(*) AS copies FROM answers GROUP BY ALL HAVING count(*) > 1
