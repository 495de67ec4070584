"""Measure the cost shape of every demo endpoint against the dataset size.

Starts a DemoServer, grows the prompt table to each size (deterministic, varied data), times
each endpoint over one keep-alive session (median of --repeat requests after a warm-up) and
prints the medians and the log-log slope between consecutive sizes: ~0 is constant, ~1 linear,
clearly above 1 super-linear.

    python bench/demo_shapes.py [--sizes 10,50,100,200,500] [--repeat 15]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yamlperf.demo import DemoServer

CATEGORIES = ["coding", "writing", "marketing", "analysis", "education", "support", "research"]
_TAG_WORDS = """
python sql email seo summary translation poetry review api testing data finance health
travel legal ux onboarding story debugging refactor pitch tweet lesson quiz report chart
"""
TAGS = _TAG_WORDS.split()
_VOCABULARY = """
write explain summarize draft review improve translate compare outline list describe
generate rewrite analyse plan create suggest evaluate answer classify extract a an the
short long clear friendly formal concise detailed simple technical creative persuasive
email essay story poem report function query test plan lesson article tweet pitch customer
user team manager student developer reader audience client beginner expert about for with
from into using without before after during each every three five ten python database
performance latency budget marketing product launch strategy feature bug release security
privacy accessibility design onboarding tutorial example steps of and or to in on by that
this these those which while because so then also
"""
WORDS = _VOCABULARY.split()


def make_prompt(n: int) -> dict[str, object]:
    """The n-th prompt of the bench dataset (deterministic)."""
    rng = random.Random(n)
    title = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(3, 6)))
    content = " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))) + "."
    return {
        "title": f"{title} #{n}",
        "content": content,
        "category": CATEGORIES[n % len(CATEGORIES)],
        "tags": rng.sample(TAGS, rng.randint(1, 4)),
    }


def median_ms(session: requests.Session, url: str, repeat: int) -> tuple[float, float, int]:
    """Client median, server ``app`` median (ms) and the X-DB-Queries of ``url``."""
    client, server, queries = [], [], 0
    for i in range(repeat + 2):
        started = time.perf_counter()
        response = session.get(url, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000.0
        response.raise_for_status()
        if i >= 2:  # two warm-up requests
            client.append(elapsed)
            timing = response.headers["Server-Timing"]
            server.append(float(timing.split("app;dur=")[1].split(";")[0]))
            queries = int(response.headers["X-DB-Queries"])
    return statistics.median(client), statistics.median(server), queries


def endpoints(base: str) -> dict[str, Callable[[int], str]]:
    """Endpoint name -> URL at a given dataset size."""
    return {
        "health": lambda size: f"{base}/api/health",
        "detail": lambda size: f"{base}/api/prompts/{max(1, size // 2)}",
        "list": lambda size: f"{base}/api/prompts?page=1&page_size=20",
        "category": lambda size: f"{base}/api/prompts?category=coding&page_size=20",
        "search": lambda size: f"{base}/api/prompts/search?q=python+report",
        "stats": lambda size: f"{base}/api/prompts/stats",
        "related": lambda size: f"{base}/api/prompts/{max(1, size // 2)}/related",
    }


def run(sizes: list[int], repeat: int) -> None:
    with DemoServer(port=0) as server, requests.Session() as session:
        login = session.post(
            f"{server.url}/api/auth/login",
            json={"username": "admin", "password": "admin_password"},
            timeout=10,
        )
        login.raise_for_status()
        session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        table: dict[str, list[tuple[float, float, int]]] = {name: [] for name in endpoints("")}
        created = 0
        for size in sizes:
            while created < size:
                created += 1
                session.post(
                    f"{server.url}/api/prompts", json=make_prompt(created), timeout=10
                ).raise_for_status()
            for name, url in endpoints(server.url).items():
                table[name].append(median_ms(session, url(size), repeat))
        print_table(sizes, table)


def print_table(sizes: list[int], table: dict[str, list[tuple[float, float, int]]]) -> None:
    width = 22
    print("client median ms (server app ms) [SQL statements], one keep-alive session\n")
    print(f"{'endpoint':<10}" + "".join(f"{f'n={size}':>{width}}" for size in sizes))
    for name, rows in table.items():
        cells = "".join(f"{f'{c:.2f} ({s:.2f}) [{q}]':>{width}}" for c, s, q in rows)
        print(f"{name:<10}{cells}")
    pairs = list(itertools.pairwise(sizes))
    if len(sizes) > 2:
        pairs.append((sizes[0], sizes[-1]))
    print("\nlog-log slope of the client median (last column: first to last size)")
    print(f"{'endpoint':<10}" + "".join(f"{f'{a}->{b}':>11}" for a, b in pairs))
    for name, rows in table.items():
        medians = dict(zip(sizes, (row[0] for row in rows), strict=True))
        slopes = [math.log(medians[b] / medians[a]) / math.log(b / a) for a, b in pairs]
        print(f"{name:<10}" + "".join(f"{slope:>11.2f}" for slope in slopes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,100,200,500")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    run([int(size) for size in args.sizes.split(",")], args.repeat)


if __name__ == "__main__":
    main()
