"""Why it grows: N+1 by the query count, the Server-Timing metric that holds the growth, payload."""

from __future__ import annotations

from dataclasses import replace

from tests.ci.builders import cell
from tests.latency import latency_from
from yamlperf.analysis.causes import causes, write_trend
from yamlperf.analysis.endpoint import endpoint_growth
from yamlperf.analysis.sentences import cause_sentences, writes_sentence
from yamlperf.results import CellStats, SeedStep

SIZES = (10, 50, 100, 200, 500)


CountedCell = CellStats
"""A cell as ``measure`` records it, with the mean of the plan's query-count header."""


def counted(base: CellStats, queries: float) -> CountedCell:
    return replace(base, query_count=queries)


def related(size: int, payload: int = 1800) -> CountedCell:
    median = 0.0006 + 3e-7 * size * size
    base = cell("related", size, median=median, spread=median * 0.05, n=40, seed=size)
    timed = replace(base, bytes_received=payload * 40,
                    server_timing={"app": median * 1e3 * 0.9, "db": median * 1e3 * 0.8})
    return counted(timed, 2 + size)


def test_queries_that_grow_at_a_constant_payload_are_named_an_n_plus_one() -> None:
    cells = [related(s) for s in SIZES]
    found = causes(cells)
    assert found.n_plus_one
    said = " ".join(cause_sentences(found, endpoint_growth(cells)))
    assert "N+1 query: queries per request grow (12 \u2192 502 from 10 to 500 records" in said
    assert "the growth is in the database" in said
    assert "The response size stays at 1.8 kB: the growth is server work" in said


def test_queries_that_grow_with_the_payload_are_one_per_row_returned() -> None:
    cells = [related(s, payload=100 * s) for s in SIZES]
    found = causes(cells)
    assert not found.n_plus_one
    said = " ".join(cause_sentences(found, endpoint_growth(cells)))
    assert "one query per row returned" in said
    assert "an unpaginated response" in said


def test_results_without_a_query_count_say_nothing_of_queries() -> None:
    cells = [cell("search", s, median=0.001 + 1e-5 * s, spread=1e-5, seed=s) for s in SIZES]
    found = causes(cells)
    assert found.queries is None
    assert not found.n_plus_one
    assert not any("quer" in s.lower() for s in cause_sentences(found, endpoint_growth(cells)))


def test_a_flat_endpoint_needs_no_explaining() -> None:
    cells = [counted(cell("detail", s, median=0.001, spread=1e-5, seed=s), 1 + s) for s in SIZES]
    assert cause_sentences(causes(cells), endpoint_growth(cells)) == []


def test_writes_are_read_against_the_records_already_there() -> None:
    steps = [SeedStep(size, before, size - before, 0, 0.5, latency_from([0.002 + before * 4e-6] * 10))
             for before, size in zip((0, 10, 50, 100, 200), SIZES, strict=True)]
    trend = write_trend(steps)
    assert trend is not None
    text = writes_sentence(trend)
    assert text.startswith("Writes while seeding: median 2.00 ms \u2192 2.80 ms from the first seeding step to "
                           "the last (0 to 500 records)")
