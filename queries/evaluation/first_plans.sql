-- name: first_plans
-- purpose: the relationships whose couple has had a plan, with the day the couple's first plan opened (in either direction), for a dip sample matched in one pass over the occurrences without reading the whole pool
-- inputs: relationships, pmps
-- outputs: relationship_id, opened_at
-- source: risk-set matching (Li, Propert & Rosenbaum 2001): a relationship not yet planned at the time can be a comparison (as pool.sql)
WITH first_plan AS (
  SELECT least(victim_id, perpetrator_id) AS a, greatest(victim_id, perpetrator_id) AS b, min(opened_at) AS opened_at
  FROM pmps GROUP BY ALL)
SELECT r.relationship_id, f.opened_at FROM relationships r
JOIN first_plan f ON f.a = least(r.victim_id, r.perpetrator_id) AND f.b = greatest(r.victim_id, r.perpetrator_id)
