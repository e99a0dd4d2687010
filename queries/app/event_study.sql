-- name: event_study
-- purpose: the latest evaluation's event study: incidents per 30 days of the plans and of their comparisons, month by month from a year before opening to the end of follow-up
-- inputs: evaluations_event_study, evaluations_runs
-- outputs: period, order (months from opening; 0 the plan period), plans, comparisons; by order
-- source: parallel-trends evidence (Roth et al. 2023); evaluation.EventStudy
SELECT period, "order", plans_per_30_days, comparisons_per_30_days FROM evaluations_event_study
WHERE run_id = (SELECT run_id FROM evaluations_runs ORDER BY generated_at DESC, run_id DESC LIMIT 1)
ORDER BY "order"
