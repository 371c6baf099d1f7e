"""The SQL that differs between the catalog's two backends, SQLite (embedded) and PostgreSQL (a server).

The access layer writes its SQL once, SQLite-style (`?` placeholders; the PostgreSQL connection translates them,
see CatalogPostgresDatabase.execute_sql), and asks the dialect for the few pieces the two spell differently:
case-insensitive order, where NULLs sort, joined strings, full-text matches, NULL-safe equality.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from peewee import Database, PostgresqlDatabase

from app.catalog.filters import fts_expression

# The text search configuration migration 2 creates on PostgreSQL: the `simple` dictionary (no stemming, no stop
# words: word starts match as FTS5's prefix queries do) behind `unaccent` (FTS5's remove_diacritics).
TS_CONFIG = "reelkeep_search"
# FTS5's unicode61 tokenizer splits at every character that is no letter or digit; PostgreSQL's parser keeps
# some punctuation inside tokens (paths, host names, versions, file names), so the text gets spaces for them first.
TS_PUNCTUATION = "/\\.,;:!?@#$%^&*()[]{}<>|~`'\"+=_-"
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def ts_document(*columns: str) -> str:
    """The tsvector expression indexing columns (NULLs as empty), for a generated column or a trigger."""
    text = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    punctuation = TS_PUNCTUATION.replace("'", "''")
    return f"to_tsvector('{TS_CONFIG}', translate({text}, '{punctuation}', '{' ' * len(TS_PUNCTUATION)}'))"


def tsquery_expression(text: str) -> str | None:
    """The PostgreSQL form of fts_expression: every word must start a word of the document."""
    words = _WORD_RE.findall(text)
    if not words:
        return None
    return " & ".join(f"'{word}':*" for word in words)


class SqliteDialect:
    name = "sqlite"

    def nocase(self, expr: str) -> str:
        """expr compared and sorted without regard to (ASCII) case."""
        return f"{expr} COLLATE NOCASE"

    def order(self, expr: str, descending: bool = False) -> str:
        """One ORDER BY term; NULLs first when ascending, last when descending (SQLite's own rule)."""
        return f"{expr} {'DESC' if descending else 'ASC'}"

    def group_concat(self, expr: str, separator: str, order: str) -> str:
        """The aggregate joining expr with separator (SQLite joins in the order it reads: order by the key)."""
        return f"group_concat({expr}, '{separator}')"

    def fts_ids(self, table: str, text: str) -> tuple[str, str] | None:
        """(a SELECT of the rowids of table matching text, its one parameter), or None when text has no word."""
        expression = fts_expression(text)
        if expression is None:
            return None
        return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", expression

    def same(self, expr: str) -> str:
        """expr equals the next parameter, NULL equal to NULL."""
        return f"{expr} IS ?"

    def binary(self, expr: str) -> str:
        """expr compared by code points (SQLite's BINARY), whatever the server's collation: for range tests."""
        return expr

    def lock_rows(self) -> str:
        """The end of a SELECT whose rows the transaction is about to change (SQLite locks the whole file)."""
        return ""


class PostgresDialect(SqliteDialect):
    name = "postgresql"

    def nocase(self, expr: str) -> str:
        # lower() under the C collation: SQLite's NOCASE order (code points after folding), whatever the server's locale
        return f'lower({expr}) COLLATE "C"'

    def order(self, expr: str, descending: bool = False) -> str:
        return f"{expr} {'DESC NULLS LAST' if descending else 'ASC NULLS FIRST'}"

    def group_concat(self, expr: str, separator: str, order: str) -> str:
        return f"string_agg(({expr})::text, '{separator}' ORDER BY {order})"

    def fts_ids(self, table: str, text: str) -> tuple[str, str] | None:
        expression = tsquery_expression(text)
        if expression is None:
            return None
        return f"SELECT rowid FROM {table} WHERE document @@ to_tsquery('{TS_CONFIG}', ?)", expression

    def same(self, expr: str) -> str:
        return f"{expr} IS NOT DISTINCT FROM ?"

    def binary(self, expr: str) -> str:
        return f'{expr} COLLATE "C"'

    def lock_rows(self) -> str:
        return " FOR UPDATE"


SQLITE = SqliteDialect()
POSTGRES = PostgresDialect()


def dialect_of(db: Database) -> SqliteDialect:
    return POSTGRES if isinstance(db, PostgresqlDatabase) else SQLITE


def is_postgres(db: Database) -> bool:
    return isinstance(db, PostgresqlDatabase)


def insert_id(db: Database, sql: str, params: Sequence[Any]) -> int:
    """Run one INSERT into a table with an `id` key; the new row's id (RETURNING on PostgreSQL: no lastrowid)."""
    if is_postgres(db):
        return db.execute_sql(f"{sql} RETURNING id", params).fetchone()[0]
    return db.execute_sql(sql, params).lastrowid
