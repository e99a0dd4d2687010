-- name: pmp_status_dates
-- purpose: a finalised plan has a finalised date and an open plan has none
-- inputs: pmps
-- outputs: pmp_id, status, finalised_at
-- severity: warn
-- source: extract contract; evaluation measures follow-up from the finalised date
SELECT pmp_id, status, finalised_at FROM pmps
WHERE (status = 'finalised' AND finalised_at IS NULL) OR (status = 'open' AND finalised_at IS NOT NULL)
