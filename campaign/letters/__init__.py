"""The letters engine: merge, citations, PDF rendering."""
