"""Storage on SQLite or PostgreSQL: versioned migrations and the one repository API handlers
use."""

from storage.engine import DatabaseError
from storage.repository import Repository, StorageError, User

__all__ = ["DatabaseError", "Repository", "StorageError", "User"]
