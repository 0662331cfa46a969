"""optimizers layer (filled by its own issue)."""
