"""Relationship analytics: the actor and resource-exchange networks of the pilots, read from
any store (:mod:`.model`), measured with networkx (:mod:`.measures`), printed by
``coevidence network`` (:mod:`.cli`) and written for Gephi and Cytoscape (:mod:`.files`)."""
