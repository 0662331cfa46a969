"""problems layer (filled by its own issue)."""
