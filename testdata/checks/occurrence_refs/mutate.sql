UPDATE offences SET occurrence_id = 'O99' WHERE offence_id = 'F1';
