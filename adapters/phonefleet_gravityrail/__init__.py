"""phonefleet adapter: gravityrail (being built)."""
