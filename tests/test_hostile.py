"""Hostile input outside the condition language and the playbook reader (issue 11): each
reproducer is a ``SmarketingError`` naming the value, or the right answer, never a traceback."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

import smarketing as sm
from smarketing import _validate as _v
from smarketing._durations import parse_duration
from smarketing.cli import main

T = datetime(2026, 3, 2, tzinfo=timezone.utc)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smarketing: error: ")
    return lines[0]


# --- durations: one bound, the longest duration the library accepts ------------------------------


class TestDurations:
    @pytest.mark.parametrize(
        "text", ["99999999999d", "P99999999999D", "9000y", "99999999999y", "36526d", "1201mo"]
    )
    def test_a_duration_past_the_bound_is_a_config_error(self, text: str) -> None:
        """Past 100 years a duration is a ConfigError naming the text and the bound."""
        with pytest.raises(sm.ConfigError, match="longer than 100 years") as info:
            parse_duration(text, where="sla.first_touch")
        assert repr(text) in str(info.value)
        assert info.value.key == "sla.first_touch"

    def test_the_bound_itself_is_accepted(self) -> None:
        """100 years, however written, is the longest duration accepted."""
        assert parse_duration("100y") == relativedelta(years=100)
        assert parse_duration("36525d") == _v.MAX_DURATION == timedelta(days=36525)
        assert parse_duration(_v.MAX_DURATION) == _v.MAX_DURATION
        with pytest.raises(sm.ConfigError, match="longer than 100 years"):
            parse_duration(_v.MAX_DURATION + timedelta(microseconds=1))
        with pytest.raises(sm.ConfigError, match="longer than 100 years"):
            parse_duration(relativedelta(years=100, microseconds=1))

    def test_refresh_after_of_9000_years_is_a_config_error(self) -> None:
        """FormField(refresh_after=9000 years) is refused when it is defined."""
        with pytest.raises(sm.ConfigError, match="longer than 100 years"):
            sm.FormField("country", refresh_after=relativedelta(years=9000))

    def test_a_timedelta_past_the_bound_is_a_config_error(self) -> None:
        """The same bound holds for durations given as timedeltas."""
        with pytest.raises(sm.ConfigError, match="at most 100 years") as info:
            sm.EngagementRule("demo", "demo_request", 10, half_life=timedelta.max)
        assert info.value.where == "EngagementRule('demo').half_life"
        with pytest.raises(sm.ConfigError, match="at most 100 years"):
            sm.Stage("mql", max_age=timedelta(days=99999))

    def test_a_playbook_duration_past_the_bound_is_one_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`smarketing check` on such a playbook: exit 2, one line naming the key."""
        path = tmp_path / "playbook.toml"
        path.write_text(
            '[forms]\nfields = [{ name = "country", refresh_after = "9000y" }]\n', encoding="utf-8"
        )
        assert main(["check", str(path)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "refresh_after" in line
        assert "longer than 100 years" in line


# --- the planner: a refresh time past the calendar's end ----------------------------------------


def test_a_refresh_past_the_end_of_the_calendar_is_never_due() -> None:
    """A field learned in year 9999 is fresh for good: its refresh time lies past datetime.max."""
    planner = sm.ProfilePlanner(
        [
            sm.FormField("country", refresh_after=relativedelta(months=12)),
            sm.FormField("company", refresh_after=timedelta(days=30)),
            sm.FormField("budget"),
        ],
        max_fields=3,
    )
    late = datetime(9999, 12, 31, tzinfo=timezone.utc)
    lead = sm.Lead.new("L-9", at=late, fields={"country": "US", "company": "Acme"})
    assert planner.plan(lead, at=late).names == ("budget",)
    # The same fields learned a year earlier are due again.
    earlier = sm.Lead.new("L-8", at=late - timedelta(days=400), fields={"country": "US"})
    assert "country" in planner.plan(earlier, at=late).names


# --- scoring: points are bounded where they are defined -----------------------------------------


class TestPoints:
    @pytest.mark.parametrize(
        "points",
        [1e308, 10**400, 10**5000, -1e19, 2 * 10**18],
        ids=["1e308", "10**400", "10**5000", "-1e19", "2*10**18"],
    )
    def test_points_past_the_bound_are_a_config_error(self, points: float) -> None:
        """A rule's points are at most 1e18 either way (10**400 was a traceback in fsum)."""
        with pytest.raises(sm.ConfigError, match="at most 1e18 points") as info:
            sm.FitRule("huge", sm.field("industry") == "software", points)
        assert info.value.where == "FitRule('huge').points"
        with pytest.raises(sm.ConfigError, match="at most 1e18 points"):
            sm.EngagementRule("huge", "demo_request", points)

    @pytest.mark.parametrize("arg", ["fit_cap", "engagement_cap", "floor"])
    def test_caps_past_the_bound_are_a_config_error(self, arg: str) -> None:
        """Caps and the floor take the same bound (1e308 with a cap was a ValueError)."""
        with pytest.raises(sm.ConfigError, match="at most 1e18 points") as info:
            sm.ScoringModel(**{arg: 1e308})  # type: ignore[arg-type]
        assert info.value.where == f"ScoringModel.{arg}"
        with pytest.raises(sm.ConfigError, match="at most 1e18 points"):
            sm.ScoringModel(
                engagement=[sm.EngagementRule("d", "demo_request", 1, group="web")],
                group_caps={"web": 1e308},
            )
        with pytest.raises(sm.ConfigError, match="at most 1e18 points"):
            sm.ScoringModel(grades={"A": 1e308, "B": 0})

    def test_the_bound_sums_safely(self) -> None:
        """Rules at the bound add up, and a cap clamps them, without a float overflow."""
        rules = [sm.FitRule(f"r{i}", sm.field("id") == "L-1", 10**18) for i in range(3)]
        lead = sm.Lead.new("L-1", at=T)
        capped = sm.ScoringModel(fit=rules, fit_cap=10).score(lead, at=T)
        assert capped.fit <= 10  # past the exact float range the cap still holds
        assert math.fsum(c.points for c in capped.contributions) == capped.fit
        assert sm.ScoringModel(fit=rules).score(lead, at=T).fit == 3e18


def test_score_with_activities_none_is_a_validation_error() -> None:
    """score(activities=None) and score_many(activities=None) name the argument."""
    model = sm.ScoringModel(engagement=[sm.EngagementRule("demo", "demo_request", 10)])
    lead = sm.Lead.new("L-1", at=T)
    with pytest.raises(sm.ValidationError, match=r"activities=\.\.\.\) must be a collection"):
        model.score(lead, activities=None, at=T)  # type: ignore[arg-type]
    with pytest.raises(sm.ValidationError, match="activities") as info:
        model.score_many([lead], activities=None, at=T)  # type: ignore[arg-type]
    assert info.value.value is None
    pb = sm.Playbook.default()
    with pytest.raises(sm.ValidationError, match=r"assess\(activities=\.\.\.\)"):
        pb.assess(lead, None, at=T)  # type: ignore[arg-type]
    with pytest.raises(sm.ValidationError, match=r"assess_many\(activities=\.\.\.\)"):
        list(pb.assess_many([lead], None, at=T))  # type: ignore[arg-type]


# --- the lifecycle: its arguments, and what fire is given ---------------------------------------


class TestLifecycle:
    def test_fire_with_a_list_as_trigger_is_a_validation_error(self) -> None:
        """fire(trigger=[...]) names the trigger argument."""
        lead = sm.Lead.new("L-1", at=T, stage="mql")
        with pytest.raises(sm.ValidationError, match="trigger") as info:
            sm.Lifecycle.default().fire(lead, ["recycle"], at=T, reason="x")  # type: ignore[arg-type]
        assert info.value.value == ["recycle"]

    @pytest.mark.parametrize("method", ["fire", "allowed", "advance", "stale", "replay"])
    def test_a_lead_that_is_not_a_lead_is_a_validation_error(self, method: str) -> None:
        """fire (and every call that moves or reads a lead) on something not a Lead."""
        lc = sm.Lifecycle.default()
        calls = {
            "fire": lambda: lc.fire("L-1", "recycle", at=T, reason="x"),  # type: ignore[arg-type]
            "allowed": lambda: lc.allowed({"id": "L-1"}),  # type: ignore[arg-type]
            "advance": lambda: lc.advance("L-1", at=T),  # type: ignore[arg-type]
            "stale": lambda: lc.stale("L-1", at=T),  # type: ignore[arg-type]
            "replay": lambda: lc.replay("L-1", []),  # type: ignore[arg-type]
        }
        with pytest.raises(sm.ValidationError, match="must be a Lead") as info:
            calls[method]()
        assert info.value.where == f"Lifecycle.{method}(lead)"

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            ({"initial": ["a"]}, "Lifecycle.initial must be a stage name"),
            ({"stages": None}, "Lifecycle.stages must be a collection"),
            ({"stages": 5}, "Lifecycle.stages must be a collection"),
            ({"stages": "ab"}, "Lifecycle.stages must be a collection"),
            ({"transitions": None}, "Lifecycle.transitions must be a collection"),
        ],
    )
    def test_bad_lifecycle_arguments_are_config_errors(
        self, args: dict[str, object], says: str
    ) -> None:
        """Lifecycle(initial=[...]), stages=None and the like name the argument."""
        given: dict[str, object] = {
            "stages": ["a", "b"],
            "initial": "a",
            "transitions": [sm.Transition("go", "a", "b")],
            **args,
        }
        with pytest.raises(sm.ConfigError, match=says):
            sm.Lifecycle(**given)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("build", "where"),
        [
            (lambda: sm.Stage("won", closed="no"), "Stage('won').closed"),
            (lambda: sm.Stage("won", terminal=1), "Stage('won').terminal"),
            (lambda: sm.Transition("go", "a", "b", requires_reason="no"), "requires_reason"),
            (lambda: sm.FormField("crm", always="no"), "FormField('crm').always"),
        ],
    )
    def test_flags_must_be_booleans(self, build: object, where: str) -> None:
        """Stage(closed="no") no longer counts as true: a flag must be True or False."""
        with pytest.raises(sm.ConfigError, match="must be True or False") as info:
            build()  # type: ignore[operator]
        assert where in str(info.value.where)

    @pytest.mark.parametrize("reason", ["  ", "\n\t", ""])
    def test_a_blank_reason_is_no_reason(self, reason: str) -> None:
        """recycle(reason="  ") is refused like a missing reason; the lead is left as it was."""
        lead = sm.Lead.new("L-1", at=T, stage="mql")
        with pytest.raises(sm.ValidationError, match="needs a reason"):
            sm.Lifecycle.default().fire(lead, "recycle", at=T, reason=reason)
        assert lead.stage == "mql"
        # Where no reason is needed, a blank one is recorded as none.
        sql = sm.Lead.new("L-2", at=T, stage="sql")
        won = sm.Lifecycle.default().fire(sql, "win", at=T, reason=reason)
        assert won.history[-1].reason is None

    def test_a_stage_name_that_is_not_text_is_a_validation_error(self) -> None:
        """lc.stage([...]) and lc.rank([...]) name the value instead of a TypeError."""
        with pytest.raises(sm.ValidationError, match="is not a stage"):
            sm.Lifecycle.default().rank([])  # type: ignore[arg-type]


# --- numbers that cannot be written -------------------------------------------------------------


class TestHugeIntegers:
    @pytest.mark.parametrize(
        "build",
        [
            lambda: sm.Lead.new("L-1", at=T, fields={"employees": 10**4300}),
            lambda: sm.Lead.new("L-1", at=T, fields={"codes": [1, -(10**5000)]}),
            lambda: sm.FieldValue(10**4300, T),
        ],
    )
    def test_a_whole_number_python_cannot_write_is_a_validation_error(self, build: object) -> None:
        """Past 4,300 digits Python will not write an integer as text (so neither ``repr`` of
        the lead nor any output could): the value is refused where it is given."""
        with pytest.raises(sm.ValidationError, match="at most 4,300 digits") as caught:
            build()  # type: ignore[operator]
        assert "about 4,301 digits" in str(caught.value) or "about 5,001" in str(caught.value)
        assert caught.value.expected == "a whole number of at most 4,300 digits"

    def test_the_longest_integer_is_a_fact(self) -> None:
        big = 10**4300 - 1
        lead = sm.Lead.new("L-1", at=T, fields={"employees": big, "negative": -big})
        assert lead.value("employees") == big
        assert lead.value("negative") == -big
        assert str(big) in repr(lead)  # Python writes it: the lead prints


# --- text that cannot be written -----------------------------------------------------------------


class TestSurrogates:
    @pytest.mark.parametrize(
        "build",
        [
            lambda: sm.Lead.new("\ud800", at=T),
            lambda: sm.Lead.new("L-1", at=T, fields={"company": "Acme \udfff"}),
            lambda: sm.Lead.new("L-1", at=T, fields={"x\ud800": 1}),
            lambda: sm.Lead.new("L-1", at=T, source="\ud800"),
            lambda: sm.Activity("\ud800", "demo_request", T),
        ],
    )
    def test_a_lone_surrogate_is_a_validation_error(self, build: object) -> None:
        """Text that cannot be written as UTF-8 is bad input, named where it was given."""
        with pytest.raises(sm.ValidationError, match="UTF-8"):
            build()  # type: ignore[operator]

    def test_a_lone_surrogate_in_a_playbook_is_a_config_error_naming_its_key(self) -> None:
        data = sm.Playbook.default().to_dict()
        data["lifecycle"]["initial"] = "\ud800"
        with pytest.raises(sm.ConfigError, match="lone surrogate") as info:
            sm.Playbook.from_dict(data)
        assert info.value.key == "lifecycle.initial"

    def test_a_jsonl_row_with_a_lone_surrogate_is_rejected_and_nothing_half_written(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The row is a reject with its line; the output holds every other lead, whole."""
        leads = tmp_path / "leads.jsonl"
        leads.write_text(
            '{"id": "L-1"}\n{"id": "\\ud800"}\n{"id": "L-3", "company": "x\\udc00"}\n'
            '{"id": "L-4", "tags": ["a", {"k": "\\udc00"}]}\n{"id": "L-5", "x\\ud800": 1}\n'
            '{"id": "L-6", "company": "Caf\\u00e9"}\n',
            encoding="utf-8",
        )
        out = tmp_path / "scores.csv"
        argv = ["score", str(leads), "--at", "2026-03-05T09:00:00+00:00"]
        assert main([*argv, "-o", str(out)]) == 0
        err = capsys.readouterr().err
        assert ":2:" in err
        assert ":3:" in err
        assert "UTF-8" in err
        text = out.read_text(encoding="utf-8")
        assert [row.split(",")[0] for row in text.splitlines()[1:]] == ["L-1", "L-6"]
        result = sm.read_leads(leads, at=T)
        assert [r.line for r in result.rejects] == [2, 3, 4, 5]
        assert [lead.id for lead in result.leads] == ["L-1", "L-6"]
        assert result.leads[1].value("company") == "Café"
        assert "'tags'" in result.rejects[2].reason
        assert "a key" in result.rejects[3].reason


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["/etc/passwd", "../../../etc/passwd", "Europe/../../etc/passwd"])
def test_tz_that_is_a_path_is_one_line(
    tmp_path: Path, zone: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tz /etc/passwd: exit 2, one line naming the option, no output."""
    leads = tmp_path / "leads.csv"
    leads.write_text("id\nL-1\n", encoding="utf-8")
    assert main(["score", str(leads), "--tz", zone]) == 2
    captured = capsys.readouterr()
    assert f"--tz {zone!r} is not a time zone" in one_error_line(captured.err)
    assert captured.out == ""


def test_a_flag_read_from_data_must_be_true_or_false() -> None:
    """from_dict never turns the text "no" into True (bool("no") is True)."""
    with pytest.raises(sm.ValidationError, match="true or false"):
        sm.from_dict(sm.Stage, {"name": "a", "closed": "no"})
    assert sm.from_dict(sm.Stage, {"name": "a", "closed": False}) == sm.Stage("a")
