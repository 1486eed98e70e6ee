"""Running a plan: two thin runners over the same per-number procedure.

`run_number` (in `_steps`) decides everything; a runner executes the store
calls it yields, with bounded concurrency: a thread pool for sync stores, a
set of worker tasks for async ones. Ctrl-C (or any BaseException from a
store) stops the run cleanly: steps in flight finish or stay `started` in the
journal, nothing new starts, and the report lists what was not reached.

Each run claims its journal first (one run per journal at a time, see
`Journal.claim`) and records how it ended there.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from phonefleet._identity import StoreIdentity

from ._group import GroupCommit
from ._journal import Journal
from ._model import Plan, Report, Step, by_number
from ._pace import Pace
from ._porting import PortRun
from ._steps import Context, NumberFlow, Started, run_number

__all__ = ["apply", "apply_async"]

Progress = Callable[[Step, str], None]


def _check_concurrency(concurrency: int) -> None:
    if not isinstance(concurrency, int) or concurrency < 1:
        msg = f"concurrency must be a positive integer, got {concurrency!r}"
        raise ValueError(msg)


def _stores(plan: Plan, *, want_async: bool) -> dict[str, Any]:
    stores = {"source": plan.source, "target": plan.target}
    for side, store in stores.items():
        needed = any(step.store == side for step in plan.steps)
        if store is None:
            if needed:
                msg = (
                    f"the plan is not bound to a {side} store; bind it with Plan.from_json(..., {side}=store)"
                )
                raise ValueError(msg)
            continue
        is_async = inspect.iscoroutinefunction(getattr(store, "get", None))
        if is_async != want_async:
            hint = "apply_async" if is_async else "apply"
            msg = f"the {side} store is {'async' if is_async else 'sync'}; use {hint}()"
            raise TypeError(msg)
    return stores


def _identities(plan: Plan) -> dict[str, StoreIdentity | None]:
    """The identities of the stores the plan is bound to (None for a side not bound)."""
    return {
        side: None if store is None else StoreIdentity.of(store)
        for side, store in (("source", plan.source), ("target", plan.target))
    }


def _open_journal(
    journal: str | Path | Journal | None, plan: Plan, *, take_over: bool, dry_run: bool
) -> tuple[Journal | None, bool]:
    """The run's journal, claimed for this run (refused if another run holds it,
    or if it records another source or target). A dry run only reads one that
    exists (what earlier runs did, the orders they filed), never claims or writes it."""
    if journal is None:
        return None, False
    identities = _identities(plan)
    if dry_run:
        if isinstance(journal, Journal):
            return journal, False
        path = Path(journal)
        if not path.is_file() or path.stat().st_size == 0:
            return None, False
        source, target = identities["source"], identities["target"]
        read = Journal(
            path,
            source=source or plan.source_provider,
            target=target or plan.target_provider,
            read_only=True,
        )
        return read, True
    if isinstance(journal, Journal):
        journal.claim(take_over=take_over, **identities)
        return journal, False
    opened = Journal(
        journal,
        source=identities["source"] or plan.source_provider,
        target=identities["target"] or plan.target_provider,
    )
    try:
        opened.claim(take_over=take_over)
    except BaseException:
        opened.close()
        raise
    return opened, True


def _close_journal(journal: Journal | None, owned: bool, ctx: Context) -> None:
    if journal is None:
        return
    try:
        if ctx.group is not None:  # what the stores answered last is journaled, then reported
            try:
                ctx.group.flush()
            finally:
                ctx.group = None
        if not ctx.dry_run:  # a dry run never claimed it
            journal.release(f"interrupted: {ctx.stopped_by}" if ctx.stopping else "finished")
    finally:
        if owned:
            journal.close()


def _report(plan: Plan, ctx: Context, *, interrupted: bool, pace: Pace | None = None) -> Report:
    pending = tuple(step for step in plan.steps if step not in ctx.reached)
    requests, throttled, seconds = pace.so_far() if pace is not None else (0, 0, 0.0)
    return Report(
        requests=requests,
        throttled=throttled,
        seconds=seconds,
        done=tuple(ctx.done),
        already_done=tuple(ctx.already_done),
        skipped=tuple(ctx.skipped),
        failed=tuple(ctx.failed),
        pending=pending,
        dry_run=ctx.dry_run,
        interrupted=interrupted or bool(pending),
        stopped_by=ctx.stopped_by,
        waiting=tuple(ctx.waiting),
    )


def _drive(flow: NumberFlow, stores: dict[str, Any]) -> None:
    """Run one number's flow against sync stores."""
    try:
        call = next(flow)
        while True:
            if isinstance(call, Started):  # pragma: no cover - records are grouped in async runs only
                msg = "a grouped journal record in a sync run"
                raise TypeError(msg)
            try:
                result = getattr(stores[call.store], call.method)(*call.args, **call.kwargs)
                if call.collect:
                    result = list(result)
            except Exception as exc:  # the flow reports it, typed
                call = flow.throw(exc)
            else:
                call = flow.send(result)
    except StopIteration:
        return
    finally:
        flow.close()


async def _drive_async(flow: NumberFlow, stores: dict[str, Any]) -> None:
    """Run one number's flow against async stores."""
    try:
        call = next(flow)
        while True:
            if isinstance(call, Started):  # on disk before going on; a refused group stops the flow
                await call.written
                call = flow.send(None)
                continue
            try:
                method = getattr(stores[call.store], call.method)
                if call.collect:
                    result = [item async for item in method(*call.args, **call.kwargs)]
                else:
                    result = await method(*call.args, **call.kwargs)
            except Exception as exc:  # the flow reports it, typed
                call = flow.throw(exc)
            else:
                call = flow.send(result)
    except StopIteration:
        return
    finally:
        flow.close()


def apply(
    plan: Plan,
    *,
    journal: str | Path | Journal | None = None,
    concurrency: int = 16,
    dry_run: bool = False,
    progress: Progress | None = None,
    take_over: bool = False,
) -> Report:
    """Run a plan made from sync stores; returns a `Report`, never raises halfway.

    `journal` (a path) records each step before and after it runs; rerun
    with the same journal to resume. A journal another run holds is refused
    (`JournalBusyError`) before anything is sent; `take_over=True` takes it
    from a run that is gone (a run whose heartbeat is stale is taken over
    without asking). A journal of another source or target is refused
    (`JournalMismatchError`). A dry run only reads a journal that exists (to
    report what earlier runs did and the port orders they filed) and writes
    nothing, not even a new file.
    `progress(step, outcome)` is called as each step settles (from worker
    threads).
    """
    _check_concurrency(concurrency)
    stores = _stores(plan, want_async=False)
    opened, owned = _open_journal(journal, plan, take_over=take_over, dry_run=dry_run)
    ctx = Context(journal=opened, dry_run=dry_run, progress=progress, plan_made=plan.made_at)
    pace = Pace(stores.values())
    ports, groups = PortRun.start(by_number(plan.steps), plan.port, ctx)
    if ports.groups:  # the ports first: their numbers' other steps run only once they have arrived
        try:
            _drive(ports.flow(), stores)
        except BaseException as exc:  # Ctrl-C or a crash inside a store: nothing more starts
            ctx.stop(exc)
            _close_journal(opened, owned, ctx)
            return _report(plan, ctx, interrupted=True, pace=pace)
        groups += ports.runnable()
    workers = max(1, min(concurrency, len(groups)))
    units: Iterator[list[Step]] = iter(groups)
    lock = threading.Lock()

    def worker() -> None:
        while not ctx.stopping:
            with lock:
                steps = next(units, None)
            if steps is None:
                return
            try:
                _drive(run_number(steps, ctx), stores)
            except BaseException as exc:  # Ctrl-C or a crash inside a store: stop everything cleanly
                ctx.stop(exc)
                return

    interrupted = False
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="phonefleet-migrate")
    try:
        futures = [pool.submit(worker) for _ in range(workers)]
        wait(futures)
    except KeyboardInterrupt as exc:
        ctx.stop(exc)
        interrupted = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _close_journal(opened, owned, ctx)
    return _report(plan, ctx, interrupted=interrupted or ctx.stopping, pace=pace)


async def apply_async(
    plan: Plan,
    *,
    journal: str | Path | Journal | None = None,
    concurrency: int = 16,
    dry_run: bool = False,
    progress: Progress | None = None,
    take_over: bool = False,
) -> Report:
    """`apply` for a plan made from async stores: at most `concurrency` requests in flight.

    Cancelled (Ctrl-C under `asyncio.run`, an `asyncio.timeout`), it lets
    the steps in flight settle, starts nothing new, records the interruption
    in the journal and re-raises the `CancelledError`, asyncio's rule; the
    report of what was done is on it as `report`.
    """
    _check_concurrency(concurrency)
    stores = _stores(plan, want_async=True)
    opened, owned = _open_journal(journal, plan, take_over=take_over, dry_run=dry_run)
    ctx = Context(journal=opened, dry_run=dry_run, progress=progress, plan_made=plan.made_at)
    pace = Pace(stores.values())
    ports, groups = PortRun.start(by_number(plan.steps), plan.port, ctx)
    if ports.groups:  # the ports first: their numbers' other steps run only once they have arrived
        try:
            await _drive_async(ports.flow(), stores)
        except BaseException as exc:  # cancelled, or a crash inside a store: nothing more starts
            ctx.stop("cancelled" if isinstance(exc, asyncio.CancelledError) else exc)
            _close_journal(opened, owned, ctx)
            if isinstance(exc, asyncio.CancelledError):
                exc.report = _report(plan, ctx, interrupted=True, pace=pace)  # type: ignore[attr-defined]
                raise
            return _report(plan, ctx, interrupted=True, pace=pace)
        groups += ports.runnable()
    units: Iterator[list[Step]] = iter(groups)
    if ctx.book is not None:  # a dry run writes nothing
        ctx.group = GroupCommit(ctx.book, ctx.stop)

    async def worker() -> None:
        while not ctx.stopping:
            steps = next(units, None)
            if steps is None:
                return
            try:
                await _drive_async(run_number(steps, ctx), stores)
            except asyncio.CancelledError:
                ctx.stop("cancelled")
                raise
            except BaseException as exc:  # Ctrl-C or a crash inside a store: stop everything cleanly
                ctx.stop(exc)
                return

    cancelled: asyncio.CancelledError | None = None
    tasks = [asyncio.ensure_future(worker()) for _ in range(max(1, min(concurrency, len(groups))))]
    try:
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError as exc:
            cancelled = exc
            ctx.stop("cancelled")
            await asyncio.wait(tasks)  # the steps in flight settle; nothing new starts
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        _close_journal(opened, owned, ctx)
    report = _report(plan, ctx, interrupted=cancelled is not None or ctx.stopping, pace=pace)
    if cancelled is not None:
        cancelled.report = report  # type: ignore[attr-defined] # for a Ctrl-C handler to print
        raise cancelled
    return report
