UPDATE relationships SET perpetrator_id = victim_id WHERE relationship_id = (SELECT min(relationship_id) FROM relationships);
