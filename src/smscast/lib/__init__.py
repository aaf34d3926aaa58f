"""Small helpers that belong to no domain."""
