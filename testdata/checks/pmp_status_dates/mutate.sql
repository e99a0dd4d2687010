UPDATE pmps SET finalised_at = NULL WHERE pmp_id = 'M1';
