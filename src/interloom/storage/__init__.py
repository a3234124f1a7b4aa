"""Records in a database: SQLAlchemy tables, Alembic migrations and repositories.

Repository functions take an ``AsyncSession`` and never commit; the service that calls them
owns the transaction through ``Database.transaction()``.
"""

from interloom.storage.database import Database

__all__ = ["Database"]
