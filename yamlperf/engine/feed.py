"""A CSV feed: rows handed to requests and seeding one after another, at random, or each once."""

from __future__ import annotations

import csv
import itertools
import logging
import random
import threading

from ..errors import UsageError
from ..scenario import Feed

logger = logging.getLogger(__name__)
Row = dict[str, str]


class RowFeed:
    """Thread-safe source of rows; ``next_row`` is ``None`` once a ``unique`` feed has run out."""

    def __init__(self, rows: list[Row], mode: str = "sequential", seed: int = 0) -> None:
        if not rows:
            raise UsageError("the feed's CSV file has a header but no rows")
        self._rows = rows
        self._mode = mode
        self._counter = itertools.count()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._warned = False

    @classmethod
    def load(cls, feed: Feed) -> RowFeed:
        try:
            with feed.file.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.DictReader(handle, delimiter=feed.delimiter))
        except OSError as exc:
            raise UsageError(f"feed.file: cannot read {feed.file}: {exc}") from None
        return cls(rows, feed.mode)

    def next_row(self) -> Row | None:
        if self._mode == "random":
            with self._lock:
                return self._rng.choice(self._rows)
        index = next(self._counter)
        if self._mode == "unique" and index >= len(self._rows):
            if not self._warned:
                self._warned = True
                logger.warning("the unique feed has used all %d rows; later requests get no `row`",
                               len(self._rows))
            return None
        return self._rows[index % len(self._rows)]
