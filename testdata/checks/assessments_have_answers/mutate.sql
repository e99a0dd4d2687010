DELETE FROM answers WHERE assessment_id = 'A2';
