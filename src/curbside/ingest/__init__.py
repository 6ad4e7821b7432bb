"""Reading source files into the evidence store: readers, chunking and the ingest run."""
