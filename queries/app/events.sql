-- name: events
-- purpose: one relationship's timeline: occurrences, assessments, scored stages and plans
-- inputs: occurrences, assessments, scores_ids (or, while any snapshot was written before it was kept, scores_scores), pmps; $rel relationship, $cfg configuration hash; lines marked "only with $indexed" or "only without $indexed" are kept by the caller as every snapshot of the configuration has its index by relationship or not
-- outputs: at, lane (incident, assessment, stage, plan), detail, tone (what the mark's colour stands for: crime or incident; the officer's grade; the band; opened or finalised); by time then lane
-- source: the homicide timeline (Monckton Smith 2020) and the unit's transparency for the front line (context.md)
SELECT reported_at, 'incident', kind || coalesce(' ' || offence_code, ''), CASE WHEN offence_code IS NULL THEN 'incident' ELSE 'crime' END
FROM occurrences WHERE relationship_id = $rel
UNION ALL SELECT completed_at, 'assessment', instrument || ', officer grade ' || coalesce(officer_grade, 'none'), lower(coalesce(officer_grade, 'none'))
FROM assessments WHERE relationship_id = $rel
UNION ALL SELECT as_of::TIMESTAMP, 'stage', 'stage ' || stage || ', band ' || band, band FROM scores_ids WHERE relationship_id = $rel AND config = $cfg -- only with $indexed
UNION ALL SELECT as_of::TIMESTAMP, 'stage', 'stage ' || stage || ', band ' || band, band FROM scores_scores WHERE relationship_id = $rel AND config_hash = $cfg -- only without $indexed
UNION ALL SELECT opened_at, 'plan', 'plan ' || pmp_id || ' opened', 'opened' FROM pmps WHERE relationship_id = $rel
UNION ALL SELECT finalised_at, 'plan', 'plan ' || pmp_id || ' finalised', 'finalised' FROM pmps WHERE relationship_id = $rel AND finalised_at IS NOT NULL
ORDER BY 1, 2
