"""SQLite storage: versioned migrations and the one repository API handlers use."""

from storage.repository import Repository, StorageError, User

__all__ = ["Repository", "StorageError", "User"]
