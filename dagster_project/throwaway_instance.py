"""The Dagster instance of a run without DAGSTER_HOME: in memory, gone when the run ends.

Dagster stores one materialization event per asset *and partition* a run materialises, each an
SQLAlchemy insert with its index updates. A 365-date range run stores some 19,000 of them; at
10,000 customers such a run took 102.3 and 101.7 s storing them, 74.8 and 79.6 s without
(docs/benchmarks.md, alternating runs on copies of one warehouse). In a throw-away instance
nothing can ever read
them: the run's result carries its events itself, the CLI reads none, and the instance is
disposed with the run. So it does not store asset materializations, nor the events Dagster
writes when it creates the run: "materialization planned" and "check evaluation planned", the
latter a row per asset check *and date* even when the run plans the range as one event (some
4 s of that run in a profile). Every other event (run and step status, logs, check results)
is stored as in Dagster's own ephemeral instance; a check result with no planned row gets a
row of its own.

A run recorded in DAGSTER_HOME (`dagster dev`, the daemon's schedule) uses that instance and
keeps every event: its UI shows the partitions' materializations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import DagsterEventType, DagsterInstance
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.types import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage

UNSTORED_EVENTS = frozenset(
    {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    }
)


class RunOnlyEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log, less the per-partition asset events (counted instead)."""

    def __init__(self) -> None:
        super().__init__()
        self.unstored: Counter[str] = Counter()

    def store_event(self, event: EventLogEntry) -> None:
        if event.dagster_event is not None and event.dagster_event.event_type in UNSTORED_EVENTS:
            self.unstored[event.dagster_event.event_type.value] += 1
            return
        super().store_event(event)


@contextmanager
def throwaway_instance() -> Iterator[DagsterInstance]:
    """An instance built like `DagsterInstance.ephemeral()`, with the event log above."""
    with DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=InMemoryRunStorage(),
        event_storage=RunOnlyEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    ) as instance:
        yield instance
