"""Rule cases as data (YAML), run through the engine's own month (see README.md)."""
