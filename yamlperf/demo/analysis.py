"""The deliberately costly read paths: search, related prompts and statistics.

Their cost shapes are the point of the demo and are real work, not sleeps:

* search reads every row and scores it in Python (tokenising, typo-tolerant title and tag
  matching): linear in N;
* related scores every other prompt and, for each candidate, runs one more query that itself
  scans the table (the classic N+1 pattern): N queries of N rows, super-linear in N;
* stats aggregates in SQL plus one Python pass over the tags: mildly linear.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from yamlperf.demo import prompts
from yamlperf.demo.prompts import Prompt
from yamlperf.demo.store import DbSession

_WORD = re.compile(r"[a-z0-9]+")
_TITLE_WEIGHT = 3.0
_TAG_WEIGHT = 2.0
_BODY_WEIGHT = 1.0
_TYPO_FACTOR = 0.5
_MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class Scored:
    """A prompt with the score that ranked it."""

    prompt: Prompt
    score: float

    def to_json(self) -> dict[str, Any]:
        """The prompt as the API returns it, plus its score."""
        return {**self.prompt.to_json(), "score": round(self.score, 4)}


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words of ``text``."""
    return _WORD.findall(text.lower())


def _one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _term_score(term: str, tokens: list[str], typos: bool) -> float:
    """Exact occurrences of ``term`` in ``tokens``, plus (``typos``) half per one-typo match."""
    score = float(tokens.count(term))
    if typos and len(term) >= _MIN_TYPO_LENGTH:
        score += _TYPO_FACTOR * sum(1 for token in tokens if _one_edit_apart(term, token))
    return score


def score_prompt(terms: list[str], prompt: Prompt) -> float:
    """Relevance of ``prompt`` to the query ``terms``; 0 when nothing matches.

    Title and tag words also match with one typo; body words only match exactly.
    """
    title = words(prompt.title)
    body = words(prompt.content)
    tags = [tag.lower() for tag in prompt.tags]
    total = 0.0
    for term in terms:
        total += _TITLE_WEIGHT * _term_score(term, title, typos=True)
        total += _TAG_WEIGHT * _term_score(term, tags, typos=True)
        total += _BODY_WEIGHT * _term_score(term, body, typos=False)
    return total


def search(db: DbSession, query: str, limit: int) -> tuple[list[Scored], int]:
    """The best ``limit`` matches of ``query`` and the number of matching prompts.

    No index helps: every row is read and scored in Python, so the cost is linear in N.
    """
    terms = words(query)
    if not terms:
        return [], 0
    matches = []
    for prompt in prompts.every(db):
        score = score_prompt(terms, prompt)
        if score > 0:
            matches.append(Scored(prompt, score))
    matches.sort(key=lambda scored: (-scored.score, scored.prompt.id))
    return matches[:limit], len(matches)


@dataclass(frozen=True)
class _Features:
    """What related-prompt similarity compares: category, lower-case tags and title words."""

    category: str
    tags: frozenset[str]
    title_words: frozenset[str]
    key_term: str  # the longest title word (first on ties): what the prompt is most about

    @classmethod
    def of(cls, prompt: Prompt) -> _Features:
        title_words = words(prompt.title) or [prompt.category.lower()]
        return cls(
            category=prompt.category,
            tags=frozenset(tag.lower() for tag in prompt.tags),
            title_words=frozenset(title_words),
            key_term=max(title_words, key=len),
        )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def similarity(a: Prompt, b: Prompt) -> float:
    """Shared category, tags (Jaccard) and title words (Jaccard), between 0 and 3."""
    return _similarity(_Features.of(a), _Features.of(b))


def _similarity(a: _Features, b: _Features) -> float:
    same_category = 1.0 if a.category == b.category else 0.0
    return same_category + _jaccard(a.tags, b.tags) + _jaccard(a.title_words, b.title_words)


def related(db: DbSession, target: Prompt, limit: int) -> list[Scored]:
    """Prompts most like ``target``, discounting 'hub' prompts that resemble everything.

    The naive way, on purpose: load every other prompt, then for each candidate ask the
    database how big its neighbourhood is, one full-scan query per candidate (N+1 queries of
    N rows each, so the cost grows with N squared).
    """
    wanted = _Features.of(target)
    scored = []
    for candidate in prompts.every(db, except_id=target.id):
        features = _Features.of(candidate)
        hub_size = prompts.neighbourhood_size(db, features.category, features.key_term)
        score = _similarity(wanted, features)
        if score > 0:
            scored.append(Scored(candidate, score / math.log2(2 + hub_size)))
    scored.sort(key=lambda item: (-item.score, item.prompt.id))
    return scored[:limit]


def stats(db: DbSession, top_tags: int = 10) -> dict[str, Any]:
    """Aggregate statistics of the prompt table."""
    total, average_length, oldest, newest = prompts.totals(db)
    tag_counts: Counter[str] = Counter()
    tagged = 0
    for tags in prompts.all_tags(db):
        tag_counts.update(tags)
        tagged += bool(tags)
    return {
        "count": total,
        "categories": prompts.category_counts(db),
        "average_content_length": round(average_length, 2),
        "tagged": tagged,
        "distinct_tags": len(tag_counts),
        "top_tags": [{"tag": tag, "count": n} for tag, n in tag_counts.most_common(top_tags)],
        "oldest_created_at": oldest,
        "newest_created_at": newest,
    }
