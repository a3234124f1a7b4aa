"""Schema revisions, oldest first by their number."""
