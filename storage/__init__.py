"""SQLite storage: versioned migrations and the one repository API handlers use."""

from sqlite3 import Error as DatabaseError

from storage.repository import Repository, StorageError, User

__all__ = ["DatabaseError", "Repository", "StorageError", "User"]
