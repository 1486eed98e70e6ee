"""phonefleet adapter: signalwire (being built)."""
