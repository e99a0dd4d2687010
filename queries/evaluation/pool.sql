-- name: pool
-- purpose: the pool comparisons are matched from: every relationship, with the date the pair's first plan opened (in either direction)
-- inputs: relationships, pmps
-- outputs: relationship_id, victim_id, perpetrator_id, opened_at (NULL: never planned); by relationship
-- source: risk-set matching (Li, Propert & Rosenbaum 2001): a relationship not yet planned at the time can be a comparison
WITH first_plan AS (
  SELECT least(victim_id, perpetrator_id) AS a, greatest(victim_id, perpetrator_id) AS b, min(opened_at) AS opened_at
  FROM pmps GROUP BY ALL)
SELECT r.relationship_id, r.victim_id, r.perpetrator_id, f.opened_at FROM relationships r
LEFT JOIN first_plan f ON f.a = least(r.victim_id, r.perpetrator_id) AND f.b = greatest(r.victim_id, r.perpetrator_id)
ORDER BY r.relationship_id
