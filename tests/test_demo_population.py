"""The synthetic population behind the demo and the benchmarks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import smarketing as sm
from smarketing.demo import population

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class TestPopulation:
    def test_the_same_seed_gives_the_same_population(self) -> None:
        """Deterministic: same seed, same leads and activities."""
        assert population(50, seed=3, start=START) == population(50, seed=3, start=START)
        assert population(50, seed=3, start=START) != population(50, seed=4, start=START)

    def test_leads_and_activities_lie_in_the_window_in_time_order(self) -> None:
        """Everything happens between start and end, activities sorted by time."""
        pop = population(200, seed=1, start=START, days=30)
        assert len(pop.leads) == 200
        assert all(START <= lead.created_at < pop.end for lead in pop.leads)
        assert [a.at for a in pop.activities] == sorted(a.at for a in pop.activities)
        created = {lead.id: lead.created_at for lead in pop.leads}
        assert all(created[a.lead_id] <= a.at <= pop.end for a in pop.activities)

    def test_profiles_look_like_real_forms(self) -> None:
        """Every lead has an e-mail; other fields are sometimes unknown."""
        pop = population(300, seed=2, start=START)
        assert all(lead.value("email") for lead in pop.leads)
        known = sum(lead.value("job_title") is not None for lead in pop.leads)
        assert 0.5 * 300 < known < 0.9 * 300
        assert {lead.source for lead in pop.leads} >= {"organic", "webinar", "paid_search"}

    def test_every_title_is_understood(self) -> None:
        """The parser reads a seniority or a department from the demo's titles."""
        from smarketing._titles import parse_title
        from smarketing.demo import TITLES

        unread = [t for t, _ in TITLES if parse_title(t).department is None and t != "Student"]
        assert unread == ["Consultant", "Freelancer"]

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [({"n": -1}, "n=..."), ({"n": 2.5}, "n=..."), ({"n": 1, "days": 0}, "days=...")],
    )
    def test_bad_arguments_are_named(self, kwargs: dict[str, object], problem: str) -> None:
        """Sizes are checked."""
        with pytest.raises(sm.ValidationError, match=problem):
            population(start=START, **kwargs)  # type: ignore[arg-type]

    def test_a_naive_start_is_rejected(self) -> None:
        """Time zones are required here too."""
        with pytest.raises(sm.ValidationError, match="timezone-aware"):
            population(1, start=datetime(2026, 1, 1))
