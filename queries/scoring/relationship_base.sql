-- name: relationship_base
-- purpose: per relationship in scope: its occurrence counts in the lookback and the perpetrator's other victims (only scope's relationships and perpetrators are counted, so scoring a few relationships at a date, as evaluation does, aggregates only theirs)
-- inputs: scope, occurrences, persons; $1 = as-of date, $2 = start of the lookback
-- outputs: sorted by perpetrator, then relationship: perpetrator_id, relationship_id, victim_id, occurrences (in the lookback), occurrences_90d, occurrences_365d, last_occurrence_at, occurrences_last_180d, occurrences_prior_180d, other_victims, area (the victim's, as the persons file records it, carried to the score snapshot for reports by area; never scored)
-- marks: $whole, when scope holds every relationship with an occurrence or assessment in the lookback (a whole run, not a few relationships): every relationship and perpetrator with an occurrence in the lookback is then in scope, so the lines that keep the counts to scope's are left out: the rows are the same either way (the counts are joined to scope), only the work differs (nationally 0.5 s less without them; for a few relationships far more with them); and other_victims is left to Go (0 here), which counts a perpetrator's relationships with an occurrence as his rows come
-- source: recency and frequency (Turner et al. 2022: days since the last incident is the strongest predictor); serial = 2+ victims in the lookback (MATAC)
WITH o AS (
  -- every relationship with an occurrence in the lookback is in scope
  SELECT relationship_id, count(*) AS occurrences,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 90 DAY) AS occurrences_90d,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 365 DAY) AS occurrences_365d,
    max(reported_at) AS last_occurrence_at,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 180 DAY) AS occurrences_last_180d,
    count(*) FILTER (WHERE reported_at > CAST($1 AS TIMESTAMP) - INTERVAL 360 DAY AND reported_at <= CAST($1 AS TIMESTAMP) - INTERVAL 180 DAY) AS occurrences_prior_180d
  FROM occurrences WHERE reported_at <= CAST($1 AS TIMESTAMP) AND reported_at >= CAST($2 AS TIMESTAMP)
    AND relationship_id IN (SELECT relationship_id FROM scope) -- only without $whole
  GROUP BY relationship_id
)
-- his victims in the lookback, counted here only for a run of a few relationships: a whole run's scope holds all his relationships with an occurrence in the lookback, so Go counts them as they come (scoredb.otherVictims)
, v AS ( -- only without $whole
  SELECT perpetrator_id, count(DISTINCT victim_id) AS victims -- only without $whole
  FROM occurrences WHERE reported_at <= CAST($1 AS TIMESTAMP) AND reported_at >= CAST($2 AS TIMESTAMP) -- only without $whole
    AND perpetrator_id IN (SELECT perpetrator_id FROM scope) -- only without $whole
  GROUP BY perpetrator_id -- only without $whole
) -- only without $whole
SELECT s.perpetrator_id, s.relationship_id, s.victim_id, coalesce(o.occurrences, 0), coalesce(o.occurrences_90d, 0), coalesce(o.occurrences_365d, 0),
  o.last_occurrence_at, coalesce(o.occurrences_last_180d, 0), coalesce(o.occurrences_prior_180d, 0),
  -- his victims in the lookback, less this one if she is among them (she is when the pair has an occurrence)
  coalesce(v.victims, 0) - CAST(o.occurrences IS NOT NULL AS INTEGER) AS other_victims, -- only without $whole
  0 AS other_victims, -- only with $whole
  p.area
FROM scope s LEFT JOIN o USING (relationship_id)
  LEFT JOIN v USING (perpetrator_id) -- only without $whole
  LEFT JOIN persons p ON p.person_id = s.victim_id
ORDER BY s.perpetrator_id, s.relationship_id
