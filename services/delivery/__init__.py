"""From a pushed email to a signed webhook: ingest, the delivery record and its queue,
the workers."""
