from tests.store.databases import clock, ctx, database, postgres_engine, sqlite_template

__all__ = ["clock", "ctx", "database", "postgres_engine", "sqlite_template"]
