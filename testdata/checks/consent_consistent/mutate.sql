UPDATE pmp_actions SET consent_given = true WHERE action_id = 'X2';
