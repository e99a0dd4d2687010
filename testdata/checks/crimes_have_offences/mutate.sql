DELETE FROM offences WHERE occurrence_id = 'O2';
