UPDATE relationships SET occurrences = 0, assessments = 0 WHERE relationship_id = (SELECT relationship_id FROM pmps WHERE pmp_id = 'M1');
