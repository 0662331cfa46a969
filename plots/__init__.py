"""plots layer (filled by its own issue)."""
