"""Growing the dataset through the API to each size, timing every create, and cleaning up after.

Growth is incremental, as in the seed's scale test: only the records missing to reach a size are
created. When the scenario says how to count the records already there, the count comes first, so
a target that already holds data is measured at its real size. Cleanup deletes exactly the
records this run created.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from ..errors import TargetError, UsageError
from ..redact import SecretRegistry
from ..results import CleanupOutcome, SeedStep, write_atomic
from ..scenario import Dataset, Target
from ..templating import TemplateError
from .auth import Authenticator
from .checks import dig, dig_all, parse_json, redirect_note
from .client import SessionClient
from .context import RunContext
from .exchange_log import LoggedSend
from .http import Exchange
from .patience import Patient
from .prepare import RequestTemplate
from .progress import Observer
from .stats import CellInfo, Recorder, summarize

logger = logging.getLogger(__name__)
WINDOW_PER_WORKER = 4
"""Tasks submitted ahead of the workers: enough to keep them busy, few enough that a million
records cost no memory up front and Ctrl-C has next to nothing queued to drop."""
BODY_EXCERPT = 200
GONE = frozenset({404, 410})
"""Answers to a cleanup delete that mean the record is not there any more, when an endpoint of the
run writes (one measured deleting it, say): nothing is left behind. When none writes, nothing but
the cleanup could have removed it, so a 404 means the delete request is wrong (a typo in its path
answers 404 for every record) and the record is still there."""


@dataclass(frozen=True, slots=True)
class Created:
    n: int
    exchange: Exchange
    record_id: Any


class Seeder:
    """Owns the ids the run created (in record order) and the records' lifecycle."""

    def __init__(self, dataset: Dataset, target: Target, *, client: SessionClient, auth: Authenticator,
                 context: RunContext, workers: int, stop: threading.Event, observer: Observer,
                 secrets: SecretRegistry | None = None, endpoints_write: bool = True,
                 leftovers: Path | None = None) -> None:
        self._dataset = dataset
        self._leftovers = leftovers
        """Where the ids of records created and not deleted are kept, one a line, as they are
        created: a run killed before its cleanup leaves them for ``yamlperf cleanup RUN_DIR``."""
        self._gone = GONE if endpoints_write else frozenset()
        self._client = client
        self._auth = auth
        self._context = context
        self._workers = max(1, workers)
        self._stop = stop
        self._observer = observer
        self._create = RequestTemplate(dataset.create, target.base_url, target.headers, secrets)
        self._delete = RequestTemplate(dataset.delete, target.base_url, target.headers, secrets) \
            if dataset.delete else None
        self._count = RequestTemplate(dataset.count.request, target.base_url, target.headers, secrets) \
            if dataset.count else None
        self._scrub = secrets.scrub if secrets is not None else str
        self._give_up = threading.Event()
        """Set when the cleanup is forced to stop: deletes wait out a rate limit even after a first
        Ctrl-C (they must happen), but not after a second."""
        self._sends = {label: Patient(LoggedSend(client.send_direct, label, secrets),  # logged under --debug
                                      self._give_up if label == "delete" else stop)
                       for label in ("create", "delete", "count")}
        self.ids: list[Any] = []
        """The records this run created and has not deleted: what cleanup deletes."""
        self.found: list[Any] = []
        """Ids of records already there, from the last count's answer (``dataset.count.ids_path``)."""
        self._count_data: Any = None
        self._uncounted_noted = False
        self.created = 0
        self.first_failure = ""
        """How the first failed create of the last ``grow`` failed (status or fault, the answer)."""
        self.delete_error = ""
        """Why the delete request could not be built for some id (its template failed), if it could not."""
        self.gone = 0
        """Records whose delete answered 404 or 410 and were counted as gone (see ``GONE``)."""
        self.delete_failure = ""
        """How the first delete the target refused or failed went (status or fault, the answer)."""
        self.outcome: CleanupOutcome | None = None
        """What the last ``cleanup`` did, also when it was forced to stop."""

    def grow(self, size: int, record: Callable[[SeedStep], None] | None = None) -> SeedStep:
        """Create the records missing to reach ``size``; one ``SeedStep`` with the creates' latency.

        Each answer is taken in as it arrives, so a forced stop (a second Ctrl-C) loses no created
        id; ``record`` receives the step, the partial one too, before any exception goes on.
        """
        counted = self._existing()
        existing = self.created if counted is None else counted
        if counted is None and not self._uncounted_noted:
            self._uncounted_noted = True
            self._observer.note(UNCOUNTED)
        if existing > size:
            self._observer.note(f"the target already holds {existing} records, more than {size}: the cells "
                                f"at size {size} measure {existing} records")
        numbers = range(existing + 1, size + 1)
        self._observer.phase(f"seeding {len(numbers)} records to reach {size}", len(numbers))
        recorder = Recorder()
        made: list[tuple[int, Any]] = []
        failures: list[tuple[int, Exchange]] = []

        def take(created: Created | None) -> None:
            if created is None:
                return
            ok = created.record_id is not None
            exchange = created.exchange
            if ok and self._leftovers is not None:
                if not listing:
                    listing.append(self._leftovers.open("a", encoding="utf-8"))
                listing[0].write(id_line(created.record_id))
                listing[0].flush()
            recorder.record(exchange.duration, _category(exchange, ok), exchange.status, exchange.size,
                            exchange.error)
            if ok:
                made.append((created.n, created.record_id))
            elif not failures or created.n < failures[0][0]:
                failures.insert(0, (created.n, exchange))
            else:
                failures.append((created.n, exchange))

        ids = tuple(self.ids)
        started = time.perf_counter()
        listing: list[TextIO] = []
        try:
            self._run_all((partial(self._create_one, n, size, ids) for n in numbers), take)
        finally:
            for handle in listing:
                handle.close()
            wall = time.perf_counter() - started
            self.ids.extend(record_id for _, record_id in sorted(made, key=lambda pair: pair[0]))
            self.created += len(made)
            self.first_failure = self._describe_failure(failures[0][1]) if failures else ""
            info = CellInfo("create", self._create.method, self._create.spec_path, size, self._workers)
            step = SeedStep(size, existing, len(made), len(failures), wall,
                            summarize(recorder, info, wall).latency, counted=counted is not None)
            if record is not None:
                record(step)
        if failures:
            logger.warning("seeding to %d: %d of %d creates failed, %d records there (first failure: %s)",
                           size, len(failures), len(made) + len(failures), existing + len(made),
                           self.first_failure)
        return step

    def check_reached(self, step: SeedStep) -> None:
        """A ``TargetError`` when no create of ``step`` succeeded (the size cannot be reached, so
        measuring it would measure a different dataset); a partial shortfall is only reported."""
        if step.created or not step.failed or self._stop.is_set():
            return
        there = f"{step.existing} there, " if step.existing else ""
        raise TargetError(f"could not grow the dataset to {step.size} records: {there}0 of {step.failed} "
                          f"creates succeeded; first failure: {self.first_failure}\n"
                          "  check dataset.create (its path, body and id_path) against the API")

    def _describe_failure(self, exchange: Exchange, request: RequestTemplate | None = None) -> str:
        request = request or self._create
        where = f"{request.method} {request.spec_path}"
        if exchange.fault:
            return f"{exchange.fault} ({exchange.error}) from {where}"
        try:
            phrase = HTTPStatus(exchange.status).phrase
        except ValueError:
            phrase = ""
        answer = exchange.body[:BODY_EXCERPT].decode("utf-8", "replace").strip()
        if 200 <= exchange.status < 300 and request is self._create:
            what = f"{exchange.status} {phrase} without an id at {self._id_place()}"
        else:
            what = f"{exchange.status} {phrase}".rstrip()
        redirect = redirect_note(exchange)
        shown = f": {answer}" if answer and not redirect else ""
        return self._scrub(f"{what} from {where}{redirect}{shown}")

    def cleanup(self, leftovers: Path | None = None) -> CleanupOutcome:
        """Delete every record this run created (a 404 or 410 counts as gone when an endpoint writes);
        never stops on a failure.

        ``ids`` shrinks as deletes succeed, so after a forced stop it holds what may be left; those
        ids are written to ``leftovers`` (one a line) and the user is told how many there are.
        """
        if not self.ids:
            return self._finish(CleanupOutcome(0, 0, 0))
        if self._delete is None:
            logger.warning("keeping %d records: the dataset has no `delete` request", len(self.ids))
            listed = self._list_leftovers(leftovers)
            return self._finish(CleanupOutcome(0, 0, len(self.ids), leftover_file=listed,
                                               kept_because="the dataset has no `delete` request"))
        remaining = dict.fromkeys(self.ids)
        total = len(remaining)
        started = time.perf_counter()
        self._observer.phase(f"cleaning up {total} records", total)

        def take(result: tuple[Any, bool, bool]) -> None:
            record_id, ok, gone = result
            if ok:
                remaining.pop(record_id, None)
                self.gone += gone

        try:
            self._run_all((partial(self._delete_one, rid) for rid in list(remaining)), take, stoppable=False)
        finally:
            self.ids = list(remaining)
            if self.delete_error:
                self._observer.note(self.delete_error)
            listed = self._list_leftovers(leftovers)
            self._finish(CleanupOutcome(total - len(self.ids), len(self.ids), 0,
                                        self.delete_error or self.delete_failure, listed,
                                        wall_time=time.perf_counter() - started))
        if self.ids:
            logger.info("cleanup: %d records could not be deleted: %s", len(self.ids), self.ids[:10])
        assert self.outcome is not None
        return self.outcome

    def keep(self, why: str, leftovers: Path | None = None) -> CleanupOutcome:
        """The records stay on the target (``--keep-data``, or the plan's ``cleanup: false``); their
        ids are listed for ``yamlperf cleanup``."""
        listed = self._list_leftovers(leftovers, note=False)
        return self._finish(CleanupOutcome(0, 0, len(self.ids), leftover_file=listed, kept_because=why))

    def _finish(self, outcome: CleanupOutcome) -> CleanupOutcome:
        self.outcome = outcome
        return outcome

    def _list_leftovers(self, path: Path | None, note: bool = True) -> str:
        """The file the ids still there were written to, or "" when there are none to list (and
        the file, which listed them as they were created, is gone)."""
        if path is None:
            return ""
        if not self.ids:
            path.unlink(missing_ok=True)
            return ""
        write_atomic(path, "".join(id_line(i) for i in self.ids))
        if note:
            self._observer.note(f"{len(self.ids)} records this run created may still be on the target: "
                                f"their ids are in {path}")
        return str(path)

    def _existing(self) -> int | None:
        """The records there now by ``dataset.count`` (the ids it lists kept in ``found``); the ones
        this run created when the count fails; None when the plan has no count."""
        if self._count is None or self._dataset.count is None:
            return None
        context = self._context.record(n=0, ids=tuple(self.ids), size=None)
        try:
            exchange = self._auth.send(self._count, context, self._sends["count"])
        except TemplateError as exc:
            raise UsageError(f"dataset.count: the request cannot be built: {exc}; fix the template") from None
        spec = self._dataset.count
        answered = not exchange.fault and 200 <= exchange.status < 300
        found = _count_in(exchange, spec.count_path, spec.count_header) if answered else None
        self._count_data = parse_json(exchange.body) if answered else None
        if spec.ids_path and answered:
            self.found = [i for i in dig_all(self._count_data, spec.ids_path) if isinstance(i, str | int)]
        if found is None:
            where = f"header {spec.count_header!r}" if spec.count_header else repr(spec.count_path)
            why = exchange.error or (f"status {exchange.status}{redirect_note(exchange)}"
                                     if not 200 <= exchange.status < 300 else f"no count at {where}")
            logger.warning("counting the records failed (%s); assuming the %d this run created",
                           why, self.created)
            return self.created
        return found

    @property
    def measured_ids(self) -> tuple[Any, ...]:
        """The ids ``{{ id }}`` walks: the records this run created, then those the count listed."""
        mine = set(self.ids)
        return (*self.ids, *(i for i in self.found if i not in mine))

    def no_ids(self, size: int, endpoints: list[str]) -> str:
        """Why endpoints that read ``{{ id }}`` cannot be measured at ``size``, and what to add."""
        spec = self._dataset.count
        names = ", ".join(endpoints)
        there = (f"the target already holds enough records for size {size}, so this run created none, "
                 f"and no ids are known for the endpoints that use {{{{ id }}}} or {{{{ ids }}}} ({names})")
        if spec is None:
            return f"{there}\n  add dataset.count with ids_path (where its answer lists the ids)"
        if spec.ids_path:
            return (f"{there}: dataset.count.ids_path {spec.ids_path!r} found none in the count answer\n"
                    f"  {_ids_hint(self._count_data, self._dataset.id_path)}")
        return f"{there}\n  add dataset.count.ids_path: {_ids_hint(self._count_data, self._dataset.id_path)}"

    def _create_one(self, n: int, size: int, ids: tuple[Any, ...]) -> Created | None:
        if self._stop.is_set():
            return None
        context = self._context.record(n=n, ids=ids, size=size, worker=_worker_number())
        try:
            exchange = self._auth.send(self._create, context, self._sends["create"])
        except TemplateError as exc:
            message = f"dataset.create: the request for record {n} cannot be built: {exc}"
            raise UsageError(self._scrub(f"{message}; fix the template (`yamlperf validate` checks names, "
                                         "not values)")) from None
        record_id = None
        if not exchange.fault and 200 <= exchange.status < 300:
            record_id = self._new_id(exchange)
            if record_id is None:
                logger.warning("record %d: no id at %s in the create answer", n, self._id_place())
        return Created(n, exchange, record_id)

    def _new_id(self, exchange: Exchange) -> Any:
        header = self._dataset.id_header
        if header is not None:
            return id_from_header(exchange.headers.get(header))
        try:
            return dig(parse_json(exchange.body), self._dataset.id_path)
        except (LookupError, TypeError):
            return None

    def _id_place(self) -> str:
        header = self._dataset.id_header
        return f"header {header!r}" if header is not None else repr(self._dataset.id_path)

    def _delete_one(self, record_id: Any) -> tuple[Any, bool, bool]:
        """(the id, deleted or gone, gone: the answer said it was not there)."""
        if self._delete is None:
            return record_id, False, False
        context = self._context.record(n=0, ids=(), size=None, record_id=record_id)
        try:
            exchange = self._auth.send(self._delete, context, self._sends["delete"])
        except TemplateError as exc:
            self.delete_error = self._scrub(
                f"dataset.delete: the request for id {record_id!r} cannot be built: {exc}")
            return record_id, False, False
        gone = not exchange.fault and exchange.status in self._gone
        ok = gone or (not exchange.fault and 200 <= exchange.status < 300)
        if not ok and not self.delete_failure:
            self.delete_failure = self._describe_failure(exchange, self._delete)
        return record_id, ok, gone

    def _run_all(self, tasks: Iterable[Callable[[], Any]], take: Callable[[Any], None],
                 stoppable: bool = True) -> None:
        """Run on ``max_workers`` threads; ``take`` each result on this thread as it arrives.

        Tasks are submitted in a window of ``WINDOW_PER_WORKER`` per worker, never all at once; once
        the stop event is set (``stoppable``) no new task starts, the ones in flight finish.
        """
        todo = iter(tasks)
        window = self._workers * WINDOW_PER_WORKER
        done = 0
        with ThreadPoolExecutor(self._workers, thread_name_prefix="yamlperf-seed") as pool:
            pending: set[Future[Any]] = set()
            try:
                while True:
                    while len(pending) < window and not (stoppable and self._stop.is_set()):
                        task = next(todo, None)
                        if task is None:
                            break
                        pending.add(pool.submit(task))
                    if not pending:
                        break
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    done += len(finished)
                    _take_all(finished, take)
                    self._observer.advance(done)
            except BaseException:
                if not stoppable:  # the cleanup itself was forced to stop; a failed growth still cleans up
                    self._give_up.set()
                running = [future for future in pending if not future.cancel()]
                for future in running:  # finished anyway (the pool waits for them): keep their ids
                    with contextlib.suppress(Exception):
                        take(future.result())
                raise


def _take_all(finished: Iterable[Future[Any]], take: Callable[[Any], None]) -> None:
    """``take`` every result that came, then raise the first failure: a task that failed must not
    lose the ids of the ones that finished beside it (their records would never be deleted)."""
    failure: BaseException | None = None
    for future in finished:
        try:
            result = future.result()
        except BaseException as exc:
            failure = failure or exc
            continue
        take(result)
    if failure is not None:
        raise failure


def id_line(record_id: Any) -> str:
    """An id as a line of ``leftover_ids.txt``: text as it is, anything else as JSON (``42``)."""
    return f"{record_id if isinstance(record_id, str) else json.dumps(record_id)}\n"


def read_id_lines(text: str) -> list[Any]:
    """The ids ``id_line`` wrote: a line that is a JSON number is that number, any other the text."""
    ids: list[Any] = []
    for line in text.splitlines():
        value = line.strip()
        if not value:
            continue
        try:
            number = json.loads(value)
        except ValueError:
            number = None
        ids.append(number if isinstance(number, int) and not isinstance(number, bool) else value)
    return ids


def id_from_header(value: str | None) -> str | None:
    """The id a header carries: a ``Location`` URL or path gives its last segment (``/items/42/``
    -> ``42``, query and fragment dropped), any other value is the id itself."""
    if not value:
        return None
    text = value.strip()
    if "/" not in text:
        return text or None
    path = urlsplit(text).path.rstrip("/")
    last = unquote(path.rsplit("/", 1)[-1]) if path else ""
    return last or None


UNCOUNTED = ("dataset.count is not set, so the records already on the target are not known: each size "
             "counts just what this run creates\n  add dataset.count: the list request and where its answer "
             "gives the total (count_path: total, or count_header: X-Total-Count), e.g. count: {path: "
             "/api/items, count_path: total}")


def _ids_hint(data: Any, id_path: str) -> str:
    """Where the count answer lists records (a list of objects with ``id_path``), as an ``ids_path``
    to add, or the shapes it takes when the answer shows none."""
    leaf = id_path.rsplit(".", 1)[-1] if id_path else "id"
    if isinstance(data, list) and any(isinstance(item, dict) and leaf in item for item in data):
        return f"the count answer is a list of records: ids_path: '*.{leaf}'"
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list) and any(isinstance(item, dict) and leaf in item for item in value):
                return f"the count answer lists records under {key!r}: ids_path: '{key}.*.{leaf}'"
    return ("where the count answer lists the ids, e.g. 'results.*.id' (a Django REST framework page) or "
            "'*.id' (a JSON list), with a page size that lists enough of them")


def _count_in(exchange: Exchange, count_path: str, count_header: str | None) -> int | None:
    """The count an answer carries, or None: in a header when ``count_header`` names one, else at
    ``count_path`` of its JSON (a JSON list is counted by its length)."""
    if count_header is not None:
        return count_from_header(exchange.headers.get(count_header))
    data = parse_json(exchange.body)
    try:
        value = data if isinstance(data, list) else dig(data, count_path)
        return len(value) if isinstance(value, list) else int(value)
    except (LookupError, TypeError, ValueError):
        return None


def count_from_header(value: str | None) -> int | None:
    """``57`` from ``X-Total-Count: 57`` and from ``Content-Range: items 0-9/57`` (the total after
    the ``/``); None when the header is missing or the total unknown (``items 0-9/*``)."""
    if value is None:
        return None
    total = value.rsplit("/", 1)[-1].strip()
    return int(total) if total.isascii() and total.isdigit() else None


def _category(exchange: Exchange, ok: bool) -> str:
    if ok:
        return "ok"
    if exchange.fault:
        return exchange.fault
    if exchange.status >= 400:
        return "http_5xx" if exchange.status >= 500 else "http_4xx"
    return "bad_body"


def _worker_number() -> int:
    name = threading.current_thread().name
    tail = name.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0
