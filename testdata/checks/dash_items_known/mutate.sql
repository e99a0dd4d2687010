UPDATE answers SET item = 'Q30' WHERE assessment_id = 'A1' AND item = 'Q18';
