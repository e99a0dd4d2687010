-- name: evaluation
-- purpose: the latest evaluation run's summary for the app's evaluation page
-- inputs: evaluations_runs
-- outputs: one row: run_id, generated_at, projection, baseline_window, followup_window, hours_source, pmps, baseline_total, observed_total, sms_level, expected_total, prevented, reduction_pct, hours_saved, hours_per_incident, naive_reduction_pct, did_reduction_pct, did_lower, did_upper, warnings, then the headline: available, change and interval in words, sentence, estimand, method, prevented and hours with their intervals (NULL for a run written before the headline)
-- source: tau evaluate's runs table (evaluation/evaldb)
SELECT run_id, generated_at, projection, baseline_window, followup_window, hours_source, pmps, baseline_total, observed_total,
  sms_level, expected_total, prevented, reduction_pct, hours_saved, hours_per_incident, naive_reduction_pct, did_reduction_pct, did_lower, did_upper, warnings,
  coalesce(headline_available, false), coalesce(headline_change, ''), coalesce(headline_interval, ''), coalesce(headline_sentence, ''),
  coalesce(headline_estimand, ''), coalesce(headline_method, ''), headline_prevented, headline_prevented_lower, headline_prevented_upper,
  headline_hours, headline_hours_lower, headline_hours_upper
FROM evaluations_runs ORDER BY generated_at DESC, run_id DESC LIMIT 1
