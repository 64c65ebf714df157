"""Shared fixtures and the Hypothesis profiles: a fast default and a thorough `ci` one."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from smarketing.demo import Simulation
    from smarketing.report import Report

settings.register_profile("default", max_examples=60, deadline=None)
# 120 examples. On the 2-core machine the coverage pass took 10 min 14 s at 200 and 9 min 54 s
# at 120 (fresh-clone CI, same day): the examples are not where its time goes.
settings.register_profile(
    "ci",
    max_examples=120,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("quick", max_examples=10, deadline=None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that run on Spark or Dask as ``engines``.

    Under coverage's tracer (Python 3.11 has no cheaper one) their Python-side planning runs
    about twice as slow, which took ``make test`` near its ten minutes; ``make test`` runs them
    in a second pass without coverage (the frames code they reach is covered on the in-process
    backends too).
    """
    for item in items:
        group = item.get_closest_marker("xdist_group")
        spark = group is not None and group.args[:1] == ("spark",)
        if spark or "[dask]" in item.nodeid or "[pyspark]" in item.nodeid:
            item.add_marker(pytest.mark.engines)


# `make mutation`: mutmut runs pytest again and again in one process, a mutant at a time; the
# same examples each time (derandomize), and no complaint about the repeated runs themselves.
settings.register_profile(
    "mutation",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def t0() -> datetime:
    """A fixed, timezone-aware starting time."""
    return datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def demo_sim() -> Simulation:
    """The demo's 3,000 leads run through the default playbook: built once, shared by the
    feedback, report and browser tests."""
    from smarketing.demo import DEFAULT_START, population, simulate

    return simulate(population(3000, seed=0, start=DEFAULT_START))


#: The candidate playbook of the report's backtest section: a higher MQL threshold on the score.
STRICTER_MQL = "score >= 60 and grade in ('A', 'B')"


@pytest.fixture(scope="session")
def demo_report(demo_sim: Simulation) -> Report:
    """The demo's report page with every input (its costs, a stricter candidate playbook):
    built once, shared by the report and browser tests."""
    import smarketing as sm
    from smarketing.demo import costs
    from smarketing.report import build_report

    sim = demo_sim
    return build_report(
        sim.leads,
        sim.activities,
        playbook=sim.playbook,
        start=sim.start,
        end=sim.end,
        costs=costs(sim),
        candidate=sm.Playbook.from_dict({"lifecycle": {"mql": STRICTER_MQL}}),
    )
