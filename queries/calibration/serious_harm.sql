-- name: serious_harm
-- purpose: the serious-harm outcome events: offences by the perpetrator against the victim of the given classes
-- inputs: offences; ? = the serious offence codes, joined with commas
-- outputs: key (victim id, 0x1f, offender id), committed_at
-- source: serious harm as CCHI 365 days or more, or strangulation (research notes, calibration); the caller lists the codes
SELECT victim_id || chr(31) || offender_id, committed_at FROM offences
WHERE victim_id IS NOT NULL AND offence_code IN (SELECT unnest(string_split(?, ',')))
