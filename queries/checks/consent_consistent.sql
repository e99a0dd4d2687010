-- name: consent_consistent
-- purpose: consent is recorded as given or refused only where it was required
-- inputs: pmp_actions
-- outputs: action_id, action_type, consent_required, consent_given
-- severity: warn
-- source: extract contract (consent_required, consent_given)
SELECT action_id, action_type, consent_required, consent_given FROM pmp_actions
WHERE consent_given IS NOT NULL AND consent_required = false
