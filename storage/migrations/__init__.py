"""Numbered SQL migrations, applied in order; the version is PRAGMA user_version."""
