"""The prompt record and the SQL that reads and writes it.

Tags live in a JSON text column: cheap to store, impossible to index, which is what the
deliberately slow search and related endpoints scan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from yamlperf.demo.store import DbSession

_COLUMNS = "id, title, content, category, tags, created_at, updated_at"


@dataclass(frozen=True)
class Prompt:
    """One stored prompt."""

    id: int
    title: str
    content: str
    category: str
    tags: tuple[str, ...]
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        """The prompt as the API returns it."""
        return {
            "id": self.id,
            "title": self.title,
            "content": self.content,
            "category": self.category,
            "tags": list(self.tags),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class PromptFields:
    """The writable fields of a prompt; None in a change set means 'leave as is'."""

    title: str | None = None
    content: str | None = None
    category: str | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PageResult:
    """One page of prompts and the number of prompts matching the filter."""

    items: list[Prompt]
    total: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _from_row(row: tuple[Any, ...]) -> Prompt:
    return Prompt(
        id=row[0],
        title=row[1],
        content=row[2],
        category=row[3],
        tags=tuple(json.loads(row[4])),
        created_at=row[5],
        updated_at=row[6],
    )


def create(db: DbSession, fields: PromptFields) -> Prompt:
    """Insert a prompt (title and content required) and return it as stored."""
    if fields.title is None or fields.content is None:
        raise ValueError("title and content are required")
    now = _now()
    rows, _ = db.write(
        f"INSERT INTO prompts (title, content, category, tags, created_at, updated_at)"
        f" VALUES (?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
        (
            fields.title,
            fields.content,
            fields.category or "general",
            json.dumps(list(fields.tags or ())),
            now,
            now,
        ),
    )
    return _from_row(rows[0])


def get(db: DbSession, prompt_id: int) -> Prompt | None:
    """The prompt with this id, or None."""
    row = db.query_one(f"SELECT {_COLUMNS} FROM prompts WHERE id = ?", (prompt_id,))
    return _from_row(row) if row else None


def update(db: DbSession, prompt_id: int, changes: PromptFields) -> Prompt | None:
    """Apply the non-None fields of ``changes`` in one statement; None if there is no such id."""
    tags = None if changes.tags is None else json.dumps(list(changes.tags))
    rows, _ = db.write(
        "UPDATE prompts SET title = COALESCE(?, title), content = COALESCE(?, content),"
        " category = COALESCE(?, category), tags = COALESCE(?, tags), updated_at = ?"
        f" WHERE id = ? RETURNING {_COLUMNS}",
        (changes.title, changes.content, changes.category, tags, _now(), prompt_id),
    )
    return _from_row(rows[0]) if rows else None


def delete(db: DbSession, prompt_id: int) -> bool:
    """Delete a prompt; False if there was none with this id."""
    _, changed = db.write("DELETE FROM prompts WHERE id = ?", (prompt_id,))
    return changed > 0


def count(db: DbSession) -> int:
    """Number of prompts."""
    row = db.query_one("SELECT COUNT(*) FROM prompts")
    return int(row[0]) if row else 0


def page(db: DbSession, number: int, size: int, category: str | None) -> PageResult:
    """Page ``number`` (from 1) of ``size`` prompts in id order, optionally of one category.

    Both statements use an index (the primary key, or ``(category, id)``), so the cost does not
    grow with the table beyond SQLite's cheap ``COUNT(*)``.
    """
    offset = (number - 1) * size
    if category is None:
        total_row = db.query_one("SELECT COUNT(*) FROM prompts")
        rows = db.query(f"SELECT {_COLUMNS} FROM prompts ORDER BY id LIMIT ? OFFSET ?", (size, offset))
    else:
        total_row = db.query_one("SELECT COUNT(*) FROM prompts WHERE category = ?", (category,))
        rows = db.query(
            f"SELECT {_COLUMNS} FROM prompts WHERE category = ? ORDER BY id LIMIT ? OFFSET ?",
            (category, size, offset),
        )
    return PageResult(items=[_from_row(row) for row in rows], total=int(total_row[0]))


def every(db: DbSession, except_id: int | None = None) -> list[Prompt]:
    """Every prompt (optionally but one): a full table scan."""
    if except_id is None:
        rows = db.query(f"SELECT {_COLUMNS} FROM prompts ORDER BY id")
    else:
        rows = db.query(f"SELECT {_COLUMNS} FROM prompts WHERE id != ? ORDER BY id", (except_id,))
    return [_from_row(row) for row in rows]


def neighbourhood_size(db: DbSession, category: str, term: str) -> int:
    """How many prompts mention ``term`` in their title, tags or content, or share ``category``.

    ``LIKE '%term%'`` (case-insensitive for ASCII) cannot use an index and the ``OR`` defeats the
    category index, so this is a full table scan that reads every prompt's text: the per-candidate
    query of the related endpoint's N+1 loop. The text tests come first so each row pays for them.
    """
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    row = db.query_one(
        "SELECT COUNT(*) FROM prompts WHERE title LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\'"
        " OR content LIKE ? ESCAPE '\\' OR category = ?",
        (pattern, pattern, pattern, category),
    )
    return int(row[0]) if row else 0


def category_counts(db: DbSession) -> dict[str, int]:
    """Number of prompts per category (a walk of the category index)."""
    rows = db.query("SELECT category, COUNT(*) FROM prompts GROUP BY category ORDER BY category")
    return {category: int(n) for category, n in rows}


def totals(db: DbSession) -> tuple[int, float, str | None, str | None]:
    """Count, average content length, oldest and newest creation time."""
    row = db.query_one("SELECT COUNT(*), AVG(LENGTH(content)), MIN(created_at), MAX(created_at) FROM prompts")
    if row is None:
        return 0, 0.0, None, None
    return int(row[0]), float(row[1] or 0.0), row[2], row[3]


def all_tags(db: DbSession) -> list[tuple[str, ...]]:
    """The tag list of every prompt (a full scan of the tags column)."""
    return [tuple(json.loads(row[0])) for row in db.query("SELECT tags FROM prompts")]
