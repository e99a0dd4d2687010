-- name: occurrence_dates
-- purpose: one relationship's occurrence dates in the lookback, for explain's stage history
-- inputs: occurrences; ? = relationship id, ? = as-of date, ? = start of the lookback
-- outputs: reported_at, in order
-- source: recency and frequency (Turner et al. 2022)
SELECT reported_at FROM occurrences WHERE relationship_id = ?
AND reported_at <= CAST(? AS TIMESTAMP) AND reported_at >= CAST(? AS TIMESTAMP) ORDER BY reported_at
