"""One blueprint package per imitated service; each renders errors in its service's own format."""
