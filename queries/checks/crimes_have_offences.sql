-- name: crimes_have_offences
-- purpose: every crime occurrence has its offence in offences, so its harm can be scored
-- inputs: occurrences, offences
-- outputs: occurrence_id, reported_at, offence_code
-- severity: warn
-- source: harm is scored from offences (Cambridge Crime Harm Index; Sherman et al. 2016); a crime with no offence row scores no harm
SELECT o.occurrence_id, o.reported_at, o.offence_code FROM occurrences o
WHERE o.kind = 'crime' AND o.occurrence_id NOT IN (SELECT occurrence_id FROM offences WHERE occurrence_id IS NOT NULL)
