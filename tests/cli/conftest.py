from tests.store.databases import postgres_engine, sqlite_template

__all__ = ["postgres_engine", "sqlite_template"]
