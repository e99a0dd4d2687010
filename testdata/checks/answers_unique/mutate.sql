INSERT INTO answers SELECT * FROM answers WHERE assessment_id = 'A1' AND item = 'Q18';
