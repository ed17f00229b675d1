"""Census calendars shipped with the bot (TOML data files)."""
