-- name: evaluation
-- purpose: the latest evaluation run's summary for the app's evaluation page
-- inputs: evaluations_runs
-- outputs: one row: run_id, generated_at, projection, baseline_window, followup_window, hours_source, pmps, baseline_total, observed_total, sms_level, expected_total, prevented, reduction_pct, hours_saved, hours_per_incident, naive_reduction_pct, did_reduction_pct, did_lower, did_upper, warnings, then from the run's report: the headline (available, change and interval in words, sentence, estimand, method, prevented and hours with their intervals) and the pre-trends and power sentences ('' or NULL for a run written before them)
-- source: tau evaluate's runs table (evaluation/evaldb); the headline is read from the report JSON every run carries, so runs written before it still read
SELECT run_id, generated_at, projection, baseline_window, followup_window, hours_source, pmps, baseline_total, observed_total,
  sms_level, expected_total, prevented, reduction_pct, hours_saved, hours_per_incident, naive_reduction_pct, did_reduction_pct, did_lower, did_upper, warnings,
  coalesce(CAST(json_extract(report, '$.headline.available') AS BOOLEAN), false),
  coalesce(json_extract_string(report, '$.headline.change'), ''), coalesce(json_extract_string(report, '$.headline.interval'), ''),
  coalesce(json_extract_string(report, '$.headline.sentence'), ''), coalesce(json_extract_string(report, '$.headline.estimand'), ''),
  coalesce(json_extract_string(report, '$.headline.method'), ''),
  CAST(json_extract(report, '$.headline.prevented') AS DOUBLE), CAST(json_extract(report, '$.headline.prevented_lower') AS DOUBLE),
  CAST(json_extract(report, '$.headline.prevented_upper') AS DOUBLE), CAST(json_extract(report, '$.headline.hours') AS DOUBLE),
  CAST(json_extract(report, '$.headline.hours_lower') AS DOUBLE), CAST(json_extract(report, '$.headline.hours_upper') AS DOUBLE),
  coalesce(json_extract_string(report, '$.comparison.event_study.sentence'), ''), coalesce(json_extract_string(report, '$.power.sentence'), '')
FROM evaluations_runs ORDER BY generated_at DESC, run_id DESC LIMIT 1
