"""The local catalog: peewee on SQLite (WAL), numbered migrations, one access layer (Catalog)."""
