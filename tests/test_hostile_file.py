"""Hostile files (issue 11): errors that point at the right place, and files past the
parsers' bounds, each a ``SmarketingError`` (in the command, exit 2 and one line)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import smarketing as sm
from smarketing import config
from smarketing.cli import main
from smarketing.config._locate import key_lines, line_of


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smarketing: error: ")
    return lines[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- errors name their own line ------------------------------------------------------------------


class TestLines:
    def test_the_bad_rule_of_20000_names_its_own_line(self, tmp_path: Path) -> None:
        """In a 20,000-rule file the error names the bad rule's line, not the first rule's."""
        rules = [
            f'  {{ name = "r{i}", when = "industry == \'x\'", points = 1 }},' for i in range(20000)
        ]
        rules[15000] = '  { name = "bad", when = "industry ==", points = 1 },'
        path = write(tmp_path, "pb.toml", "[scoring]\nfit = [\n" + "\n".join(rules) + "\n]\n")
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_toml(path)
        assert info.value.line == 15003
        assert info.value.key == "scoring.fit[15000].when"
        assert str(info.value).startswith(f"{path}:15003: scoring.fit[15000].when: ")

    def test_arrays_of_tables_and_nested_tables_have_their_lines(self, tmp_path: Path) -> None:
        """[[scoring.fit]] items count one by one; a key below names its own line."""
        text = (
            "# a comment with = and [brackets]\n"
            "[scoring]\n"
            "fit_cap = 100\n"
            "\n"
            "[[scoring.fit]]\n"
            'name = "a"\n'
            "when = \"industry == 'x'\"\n"
            "points = 1\n"
            "\n"
            "[[scoring.fit]]\n"
            'name = "b"\n'
            'when = "industry =="\n'
            "points = 2\n"
        )
        path = write(tmp_path, "pb.toml", text)
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_toml(path)
        assert (info.value.line, info.value.key) == (12, "scoring.fit[1].when")

    def test_the_scanner_reads_every_kind_of_toml_value(self) -> None:
        """Strings of all four kinds, dotted and quoted keys, inline tables, multi-line lists."""
        text = (
            'a.b = "x # not a comment"\n'
            "'quoted key' = '''\nmulti\nline'''\n"
            'c = """one\n"two"\n"""\n'
            "d = [\n  1,  # one\n  { e = 2, f.g = [3, 4] },\n]\n"
            "[t]\n"
            "when = 2026-01-05T09:00:00Z\n"
            '"x.y" = 1\n'
        )
        lines = key_lines(text)
        assert lines["a.b"] == 1
        assert lines["quoted key"] == 2
        assert lines["c"] == 5
        assert (lines["d[0]"], lines["d[1]"], lines["d[1].f.g[1]"]) == (9, 10, 10)
        assert (lines["t"], lines["t.when"], lines["t.x.y"]) == (12, 13, 14)

    def test_quoted_keys_read_their_escapes_as_toml_does(self) -> None:
        """\\U and \\u escapes in a quoted key name the key they spell; an escape TOML lacks
        (the file would not load) is kept as written."""
        text = '"\\U0001F600" = 1\n"caf\\u00e9" = 2\n"\\q" = 3\n'
        assert key_lines(text) == {"\U0001f600": 1, "caf\u00e9": 2, "\\q": 3}

    def test_a_key_path_takes_the_line_of_the_nearest_key_above_it(self) -> None:
        """A path the file does not spell out names its table's line; none above it, no line."""
        lines = key_lines("[scoring]\nfit_cap = 10\n\n[scoring.group_caps]\nweb = 5\n")
        assert line_of(lines, "scoring.group_caps['web']") == 4
        assert line_of(lines, "scoring.fit[0].when") == 1
        assert line_of(lines, "sla.first_touch") is None

    def test_a_table_under_an_array_of_tables_is_in_its_last_item(self) -> None:
        """[a.b] after the second [[a]] belongs to a[1], as TOML reads it."""
        text = "[[a]]\nx = 1\n[a.b]\ny = 2\n[[a]]\n[a.b]\ny = 3\n"
        lines = key_lines(text)
        assert (lines["a[0].b"], lines["a[0].b.y"]) == (3, 4)
        assert (lines["a[1]"], lines["a[1].b"], lines["a[1].b.y"]) == (5, 6, 7)

    def test_text_the_scanner_cannot_follow_gives_what_it_read(self) -> None:
        """An error's line is a help, never a new failure."""
        assert key_lines("a = 1\nb = ]\nc = 2\n") == {"a": 1, "b": 2}
        assert key_lines("a = 1\n[t\nb = 2\n") == {"a": 1}  # a header never closed
        assert key_lines("a = 1\n= 2\n") == {"a": 1}  # no key before '='
        deep = key_lines("a = " + "[" * 5000 + "]" * 5000 + "\nb = 1\n")
        assert deep["a"] == 1  # past the scanner's depth: what it read before

    def test_an_error_in_the_default_lifecycle_guard_names_mql(self, tmp_path: Path) -> None:
        """A guard reading an unknown fact names lifecycle.mql, at its line."""
        path = write(tmp_path, "pb.toml", '[lifecycle]\n\nmql = "nope > 1"\n')
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_toml(path)
        assert (info.value.key, info.value.line) == ("lifecycle.mql", 3)


class TestKeyPaths:
    @pytest.mark.parametrize(
        ("data", "key"),
        [
            ({"forms": {"fields": [{"name": "bad name"}]}}, "forms.fields[0].name"),
            ({"forms": {"fields": [{"name": "budget", "friction": -1}]}},
             "forms.fields[0].friction"),
            ({"sla": {"first_touch": "4h", "calendar": {"timezone": "Mars/Base"}}},
             "sla.calendar.timezone"),
            ({"lifecycle": {"sql": "nope > 1"}}, "lifecycle.sql"),
            ({"lifecycle": {"initial": "a", "stages": ["a", "b"], "transitions": [
                {"trigger": "go", "source": ["a"], "dest": "b", "when": "nope > 1"}]},
              "forms": {"fields": []}, "sla": False, "scoring": {"fit": [], "engagement": []},
              "personas": {"list": []}},
             "lifecycle.transitions[0].when"),
        ],
    )  # fmt: skip
    def test_key_paths_are_the_files_own(self, data: dict[str, object], key: str) -> None:
        """Key paths name the file's keys (forms.fields[0].name), never a class or argument
        name (forms.fields[0].FormField.name, budget.friction, tz)."""
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_dict(data, source="pb.toml")
        assert info.value.key == key
        assert str(info.value).startswith(f"pb.toml: {key}: ")

    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ('[[scoring.fit]]\nname = "x"\nwhen = "\uff58 == 1"\npoints = 1\n',
             "scoring.fit[0].when"),
            ('[forms]\nfields = [{ name = "bücher" }]\n', "forms.fields[0].name"),
            ('[[scoring.fit]]\nname = "x"\nwhen = "`bücher` == 1"\npoints = 1\n',
             "scoring.fit[0].when"),
        ],
    )  # fmt: skip
    def test_an_error_about_a_unicode_fact_name_names_file_and_key(
        self, tmp_path: Path, text: str, key: str
    ) -> None:
        """A fact name beyond ASCII, wherever it is wrong: the file, the line and the key."""
        path = write(tmp_path, "pb.toml", text)
        with pytest.raises(sm.ConfigError) as info:
            sm.Playbook.from_toml(path)
        assert info.value.key == key
        assert info.value.source == str(path)
        assert str(info.value).startswith(f"{path}:{info.value.line}: {key}: ")

    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ('known_facts = ["email", "__class__"]\n', "known_facts[1]"),
            ('known_facts = ["email", "a`b"]\n', "known_facts[1]"),
            ('known_facts = ["email", "tab\\there"]\n', "known_facts[1]"),
            ('[data]\nrename = { "Lead Source" = "`source`" }\n', "data.rename.Lead Source"),
            ('[data]\ntypes = { "__zip" = "text" }\n', "data.types.__zip"),
        ],
    )  # fmt: skip
    def test_names_the_file_gives_facts_are_fact_names(
        self, tmp_path: Path, text: str, key: str
    ) -> None:
        """known_facts, a rename's target and a type's fact are fact names, as conditions read
        them: a name no condition could write is an error at its line and key, not a fact."""
        path = write(tmp_path, "pb.toml", text)
        with pytest.raises(sm.ConfigError, match="is not a fact name") as info:
            sm.Playbook.from_toml(path)
        assert info.value.key == key
        assert str(info.value).startswith(f"{path}:{info.value.line}: {key}: ")

    def test_names_with_spaces_are_fact_names(self) -> None:
        """A fact name with spaces, as a CRM column is named, stays allowed everywhere."""
        text = '[data]\nrename = { "A" = "Lead Score" }\ntypes = { "zip code" = "text" }\n'
        pb = config.loads(text, into=sm.Playbook)
        assert pb.data.rename == {"A": "Lead Score"}
        assert pb.data.types == {"zip code": "text"}


# --- files past the parsers' bounds -----------------------------------------------------------


AT = datetime(2026, 3, 5, 9, tzinfo=timezone.utc)
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


class TestParserBounds:
    @pytest.mark.parametrize(
        ("text", "says"),
        [
            (f"known_facts = {DEEP}\n", "nested too deeply"),
            (f"[forms]\nmax_fields = {HUGE}\n", "more than 4300 digits"),
        ],
        ids=["deep", "huge"],
    )
    def test_a_playbook_past_the_bounds_is_one_line(
        self, tmp_path: Path, text: str, says: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A 100,000-deep list or a 5,000-digit integer in the TOML: exit 2, one line."""
        path = write(tmp_path, "pb.toml", text)
        with pytest.raises(sm.ConfigError, match=says) as info:
            sm.Playbook.from_toml(path)
        assert info.value.source == str(path)
        assert main(["check", str(path)]) == 2
        assert says in one_error_line(capsys.readouterr().err)

    @pytest.mark.parametrize(
        ("text", "says"),
        [(DEEP, "nested too deeply"), (f'{{"base": {HUGE}}}', "more than 4300 digits")],
        ids=["deep", "huge"],
    )
    def test_a_model_json_past_the_bounds_is_one_line(
        self, tmp_path: Path, text: str, says: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The playbook's model file (JSON): the error names the playbook key and the file."""
        write(tmp_path, "model.json", text)
        path = write(tmp_path, "pb.toml", '[predictive]\nmodel = "model.json"\n')
        with pytest.raises(sm.ConfigError, match=says) as info:
            sm.Playbook.from_toml(path)
        assert info.value.key == "predictive.model"
        assert "model.json" in str(info.value)
        assert main(["check", str(path)]) == 2
        assert says in one_error_line(capsys.readouterr().err)

    def test_a_jsonl_lead_file_past_the_bounds_rejects_the_rows(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A lead row nested 100,000 deep or with a 5,000-digit integer is a reject with its
        line; the other rows are scored, and the command ends without a traceback."""
        leads = write(
            tmp_path,
            "leads.jsonl",
            f'{{"id": "L-1"}}\n{{"id": "L-2", "x": {DEEP}}}\n{{"id": "L-3", "n": {HUGE}}}\n'
            f"{DEEP}\n",
        )
        result = sm.read_leads(leads, at=AT)
        assert [lead.id for lead in result.leads] == ["L-1"]
        assert [r.line for r in result.rejects] == [2, 3, 4]
        assert all("not readable as JSON" in r.reason for r in result.rejects)
        out = tmp_path / "scores.csv"
        argv = ["score", str(leads), "--at", "2026-03-05T09:00:00+00:00", "-o", str(out)]
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert ":2:" in err and ":3:" in err and ":4:" in err
        assert [row.split(",")[0] for row in out.read_text().splitlines()[1:]] == ["L-1"]
        only_bad = write(tmp_path, "bad.jsonl", DEEP + "\n")
        assert main(["score", str(only_bad), "--at", "2026-03-05T09:00:00+00:00"]) in (1, 2)
        assert "Traceback" not in capsys.readouterr().err
