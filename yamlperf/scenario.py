"""The input model: a validated scenario as typed, frozen data, built from a located Document.

Strings keep their template text; the engine compiles them (see ``templating``). Everything a
user can get wrong is checked here or by the schema, so a Scenario that exists can be run.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from .errors import Location, Problem
from .thresholds import Rule
from .units import parse_duration
from .urls import canonical_url

DEFAULT_SIZES = (10, 50, 100, 200, 500)
DEFAULT_FORMATS = ("json", "html", "png")
DEFAULT_OUTPUT_DIR = "performance_results/scale_tests"
DEFAULT_MAX_BODY = 10_000_000

Pairs = tuple[tuple[str, str], ...]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that may add or remove records: measured at a dataset size, they make it drift."""


class BodyKind(Enum):
    NONE = "none"
    JSON = "json"
    RAW = "raw"
    FORM = "form"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """An HTTP request template: strings may hold ``{{ }}`` and are rendered per request."""

    method: str
    path: str
    query: Pairs = ()
    headers: Pairs = ()
    body_kind: BodyKind = BodyKind.NONE
    body: Any = None


@dataclass(frozen=True, slots=True)
class StatusMatcher:
    """Accepted status codes: exact codes and whole classes (``2`` for ``2xx``)."""

    codes: frozenset[int] = frozenset()
    classes: frozenset[int] = frozenset({2})

    def accepts(self, status: int) -> bool:
        return status in self.codes or status // 100 in self.classes

    def describe(self) -> str:
        parts = [str(c) for c in sorted(self.codes)] + [f"{c}xx" for c in sorted(self.classes)]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Server:
    command: tuple[str, ...]
    ready_url: str = "/"
    start_timeout: float = 30.0
    stop_timeout: float = 10.0
    env: Pairs = ()
    cwd: Path | None = None
    reuse_existing: bool = False
    """Test a server that already answers at ``ready_url`` instead of starting one; without it a
    port that is taken stops the run (the plan would seed, measure and delete on another API)."""


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    headers: Pairs = ()
    timeout: float = 30.0
    verify_tls: bool = True
    server: Server | None = None
    ca_bundle: str | None = None
    """The CA bundle (PEM) the certificate is verified against, instead of the system's."""

    @property
    def verify(self) -> bool | str:
        """As ``requests`` takes it: the CA bundle's path, or whether to verify at all."""
        return self.ca_bundle if self.verify_tls and self.ca_bundle else self.verify_tls


class AuthType(Enum):
    NONE = "none"
    BASIC = "basic"
    BEARER = "bearer"
    LOGIN = "login"


@dataclass(frozen=True, slots=True)
class Login:
    """Where the answer carries the token: ``token_source`` is ``json`` (``token_path`` a dotted
    path), ``header`` or ``cookie`` (``token_path`` the header's or the cookie's name)."""

    request: RequestSpec
    token_path: str = "access_token"
    token_source: str = "json"


@dataclass(frozen=True, slots=True)
class Auth:
    """How to authenticate; ``username``, ``password`` and ``token`` are template text, never logged."""

    type: AuthType = AuthType.NONE
    username: str | None = None
    password: str | None = None
    token: str | None = None
    header: str = "Authorization"
    scheme: str = "Bearer"
    login: Login | None = None
    relogin_on: StatusMatcher = StatusMatcher(frozenset({401}), frozenset())


@dataclass(frozen=True, slots=True)
class CountSpec:
    request: RequestSpec
    count_path: str = "total"
    count_header: str | None = None
    """Read the count from this header (``X-Total-Count``, or the total of ``Content-Range``)."""
    ids_path: str | None = None
    """Where the answer lists the ids of the records already there (``results.*.id``), so a run on
    kept data has ids for ``{{ id }}`` even when it creates nothing."""


@dataclass(frozen=True, slots=True)
class Dataset:
    create: RequestSpec
    sizes: tuple[int, ...] = DEFAULT_SIZES
    id_path: str = "id"
    delete: RequestSpec | None = None
    id_header: str | None = None
    """Read the id from this header of the create answer (``Location``: its last segment)."""
    count: CountSpec | None = None
    cleanup: bool = True


DEFAULT_MAX_IN_FLIGHT = 100


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of a ramp, as k6 stages: over ``duration`` the target moves in a straight line from
    the previous stage's (0 before the first) to ``target``, requests/s in an open model and
    workers in a closed one; a stage whose target equals the previous one holds it."""

    duration: float
    target: float


@dataclass(frozen=True, slots=True)
class Workload:
    """How a cell drives its endpoint. Closed (as today): ``workers`` each wait for their answer
    before sending again, for ``iterations`` requests or for ``duration`` (or ``stages`` of
    workers). Open: requests start at ``rate`` per second (or ``stages`` of rates) whatever the
    answers do, at most ``max_in_flight`` at once, for ``duration`` or ``iterations`` arrivals."""

    iterations: int | None = 10
    duration: float | None = None
    rate: float | None = None
    stages: tuple[Stage, ...] = ()
    open: bool = False
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT

    @property
    def model(self) -> str:
        return "open" if self.open else "closed"

    @property
    def timed(self) -> bool:
        """Whether the cell runs for a time (one continuous period) rather than for a count."""
        return self.duration is not None or bool(self.stages)

    @property
    def length(self) -> float | None:
        """The cell's planned seconds when it is timed."""
        return sum(s.duration for s in self.stages) if self.stages else self.duration


DEFAULT_ROUNDS = 3
DEFAULT_MAX_SAMPLING_TIME = 5.0


@dataclass(frozen=True, slots=True)
class Load:
    """How each cell is driven. ``iterations`` are the cell's measured requests in total, spread over
    ``rounds`` interleaved rounds; with a ``precision`` target a cell takes more, in further rounds,
    until its median is known that well or the budget (``max_iterations``, ``max_sampling_time``)
    is spent."""

    iterations: int = 10
    concurrency: tuple[int, ...] = (1,)
    max_workers: int = 5
    warmup: int = 0
    think_time: float = 0.0
    timeout: float | None = None
    max_duration: float | None = None
    workload: Workload = Workload()
    """The plan's workload model; ``iterations`` is its count when it is count-based."""
    warmup_time: float = 0.0
    """``warmup: 10s``: the cell's workload runs this long first, not counted (``warmup`` is 0)."""
    executor: str = "threads"
    """Who sends each cell's requests: ``threads``, ``processes`` or ``dask`` (``engine.executor``)."""
    workers: int | None = None
    """The workers a cell is split across (processes: default one per core; dask: the cluster's)."""
    cluster: str | None = None
    """The Dask scheduler's address; None: a local cluster."""
    max_body: int = DEFAULT_MAX_BODY
    """The longest answer body read whole, in bytes, when a check reads it (``body_too_large``
    beyond); bodies no check reads are counted as they arrive and not kept, whatever their length."""
    rounds: int = DEFAULT_ROUNDS
    precision: float | None = None
    """Target relative half-width of the 95% confidence interval of a cell's median (0.05 for 5%)."""
    precision_floor: float | None = None
    """A half-width (seconds) that counts as precise enough whatever the median."""
    max_iterations: int | None = None
    """The most measured requests a cell takes for its precision; ``None``: 10 x iterations."""
    max_sampling_time: float = DEFAULT_MAX_SAMPLING_TIME
    """Sampling for precision stops once a cell has been measured this long (all rounds)."""
    seed: int | None = None
    """The seed of the rounds' shuffled order; ``None``: a new one each run (recorded)."""
    min_stage_time: float = 0.0
    """Each dataset size's planned rounds start evenly over at least this long (pauses between
    them), so that one slow spell of the machine meets only some of a size's rounds."""

    @property
    def samples_to_precision(self) -> bool:
        return self.precision is not None or self.precision_floor is not None

    def budget(self, iterations: int) -> int:
        """The most measured requests a cell of ``iterations`` planned requests may take."""
        if not self.samples_to_precision:
            return iterations
        return max(iterations, self.max_iterations if self.max_iterations is not None else 10 * iterations)


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """What the target tells about its own work, for the analysis to read."""

    query_count_header: str | None = None
    """The response header that counts the database queries a request ran (e.g. ``X-DB-Queries``)."""
    reference: str | None = None
    """The endpoint whose cost does not depend on the data: the machine's speed at each size."""


@dataclass(frozen=True, slots=True)
class Expectation:
    status: StatusMatcher = StatusMatcher()
    json: tuple[tuple[str, Any], ...] = ()
    contains: str | None = None
    not_contains: str | None = None
    headers: Pairs = ()

    @property
    def reads_body(self) -> bool:
        return bool(self.json or self.contains is not None or self.not_contains is not None)


@dataclass(frozen=True, slots=True)
class Capture:
    """Keep a value of the answer as a variable: ``source`` is ``json`` or ``header``."""

    name: str
    source: str
    expression: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    request: RequestSpec
    expect: Expectation = Expectation()
    captures: tuple[Capture, ...] = ()
    iterations: int | None = None
    sizes: tuple[int, ...] | None = None
    workload: Workload | None = None
    """The endpoint's own workload when it names one (iterations, duration, rate or stages)."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """Rules that apply to the cells whose endpoint, size and concurrency match."""

    rules: tuple[Rule, ...]
    endpoints: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()
    concurrency: tuple[int, ...] = ()
    location: Location = Location("")
    abort_on_fail: bool = False
    """Stop the run when one of its window rules breaks while a cell runs."""

    def scope(self) -> str:
        """``endpoints search*; sizes 500`` or ``all cells``."""
        parts = []
        if self.endpoints:
            parts.append("endpoints " + ", ".join(self.endpoints))
        if self.sizes:
            parts.append("sizes " + ", ".join(map(str, self.sizes)))
        if self.concurrency:
            parts.append("concurrency " + ", ".join(map(str, self.concurrency)))
        return "; ".join(parts) or "all cells"

    def applies_to(self, endpoint: str, size: int | None, concurrency: int) -> bool:
        return ((not self.endpoints or any(fnmatch.fnmatchcase(endpoint, g) for g in self.endpoints))
                and (not self.sizes or size in self.sizes)
                and (not self.concurrency or concurrency in self.concurrency))


@dataclass(frozen=True, slots=True)
class Output:
    directory: Path = Path(DEFAULT_OUTPUT_DIR)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    log_scale: bool = False


@dataclass(frozen=True, slots=True)
class Feed:
    file: Path
    mode: str = "sequential"
    delimiter: str = ","


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete, validated test plan. ``raw`` is the merged YAML data as run (not yet redacted)."""

    name: str
    source: str
    target: Target
    endpoints: tuple[Endpoint, ...]
    auth: Auth = Auth()
    dataset: Dataset | None = None
    load: Load = Load()
    analysis: AnalysisSettings = AnalysisSettings()
    thresholds: tuple[Threshold, ...] = ()
    output: Output = Output()
    description: str = ""
    variables: Mapping[str, Any] = field(default_factory=dict)
    feed: Feed | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int | None, ...]:
        """Dataset sizes in ascending order; ``(None,)`` when the plan seeds no data."""
        return tuple(sorted(self.dataset.sizes)) if self.dataset else (None,)

    def endpoint(self, name: str) -> Endpoint:
        return next(e for e in self.endpoints if e.name == name)


def build_request(data: Mapping[str, Any], default_method: str = "GET") -> RequestSpec:
    if "json" in data:
        kind, body = BodyKind.JSON, data["json"]
    elif "body" in data:
        kind, body = BodyKind.RAW, data["body"]
    elif "form" in data:
        kind, body = BodyKind.FORM, _pairs(data["form"])
    else:
        kind, body = BodyKind.NONE, None
    return RequestSpec(
        method=str(data.get("method", default_method)).upper(),
        path=canonical_url(data["path"]) if isinstance(data["path"], str) else data["path"],
        query=_pairs(data.get("query")),
        headers=_pairs(data.get("headers")),
        body_kind=kind,
        body=body,
    )


def parse_status(value: Any) -> StatusMatcher:
    items = value if isinstance(value, list) else [value]
    codes = frozenset(int(v) for v in items if isinstance(v, int) or str(v).isdigit())
    classes = frozenset(int(str(v)[0]) for v in items if isinstance(v, str) and v.endswith("xx"))
    return StatusMatcher(codes, classes)


def _pairs(mapping: Mapping[str, Any] | None) -> Pairs:
    if not mapping:
        return ()
    return tuple((str(k), _scalar_text(v)) for k, v in mapping.items())


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def optional_duration(value: Any) -> float | None:
    return None if value is None else parse_duration(value)


def problems_in_names(endpoints: list[dict[str, Any]], problem: Any) -> list[Problem]:
    """Duplicate endpoint names: results, charts and thresholds address endpoints by name."""
    seen: dict[str, int] = {}
    problems = []
    for index, endpoint in enumerate(endpoints):
        name = endpoint.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            problems.append(problem(("endpoints", index, "name"),
                                    f"endpoint name {name!r} is already used by endpoints[{seen[name]}]",
                                    hint="give every endpoint its own name"))
        else:
            seen[name] = index
    return problems
