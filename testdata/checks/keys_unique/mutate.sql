INSERT INTO pmps SELECT * FROM pmps WHERE pmp_id = 'M1';
