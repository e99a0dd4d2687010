-- name: snapshots
-- purpose: the score snapshots of one configuration, for the snapshot picker and the stale-snapshot notice
-- inputs: scores_scores; $cfg configuration hash
-- outputs: as_of, rows, generation (the load it was scored from; '' for snapshots written before it was kept); latest first
-- source: tau's results layout (one snapshot per date and configuration)
SELECT as_of, count(*), coalesce(max(generation), '') FROM scores_scores WHERE config_hash = $cfg GROUP BY as_of ORDER BY as_of DESC
