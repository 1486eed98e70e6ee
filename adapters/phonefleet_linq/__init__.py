"""phonefleet adapter: linq (being built)."""
