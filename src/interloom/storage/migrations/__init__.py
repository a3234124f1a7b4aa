"""Alembic migrations of the records database; ``Database.migrate()`` runs them.

Revisions are written by hand in ``versions/`` as ``NNNN_what_changes.py``, with plain
SQLAlchemy types so that a migration never changes when the application code does. The test
``tests/integration/storage/test_migrations.py`` fails until they match ``tables.py``.
"""
