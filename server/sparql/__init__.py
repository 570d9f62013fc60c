"""The SPARQL 1.1 Protocol endpoint: the route (:mod:`.endpoint`), the policy that checks a
query before any store sees it (:mod:`.policy`, :mod:`.scan`, :mod:`.second_look`), content
negotiation (:mod:`.results`), the result writers (:mod:`.writers`) and the service
description (:mod:`.description`)."""
