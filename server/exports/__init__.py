"""Files for the tools researchers use, written by ``coevidence export OUTDIR`` (:mod:`.cli`)
and served under ``/exports/`` (:mod:`.routes`):

- :mod:`.networks`: GraphML and GEXF of each network view (Gephi, Cytoscape) and Gephi's
  spreadsheet CSVs;
- :mod:`.tables`: one CSV per kind of record or claim, with a CSVW codebook generated from
  the ontology and the shapes;
- :mod:`.dumps`: the whole graph as Turtle, N-Triples, N-Quads and JSON-LD;
- :mod:`.catalog`: each file as a ``dcat:Distribution`` with its media type, size and checksum.
"""
