"""Qt item models over core data (lazy, read on demand)."""
