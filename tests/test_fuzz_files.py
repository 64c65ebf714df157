"""A fuzz of the public file entry points (issue 11): each gives a result or a
``SmarketingError``, never another exception; the command exits 0, 1 or 2, without a traceback.

``Playbook.from_dict`` on near-miss data is fuzzed in test_schema.py; here are the TOML text
of a playbook, ``sm.from_dict`` of every public type, and the command on generated files.
Each runs 400 examples in the ``ci`` profile.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing import config
from smarketing.cli import main

fuzz = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
DEFAULT_TEXT = config.commented_default()
DEFAULT_LINES = DEFAULT_TEXT.splitlines()
tricky = st.sampled_from(
    ["", "=", "[", "]", "{", '"', "'", "\\", "#", "\n", "\ud800", "9" * 40, "1e999", "nan",
     "[[", "true", "-", ".", ",", "ü", "\x00", "\t", '"""', "[scoring]", "[[scoring.fit]]"]
)  # fmt: skip


@st.composite
def playbook_texts(draw: st.DrawFn) -> str:
    """The default playbook's text with a few lines dropped, doubled, cut or garbled."""
    lines = list(DEFAULT_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(("drop", "double", "cut", "insert", "replace")))
        if how == "drop":
            del lines[i]
        elif how == "double":
            lines.insert(i, lines[i])
        elif how == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif how == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(tricky) + lines[i][at:]
        else:
            lines[i] = draw(st.text(max_size=20) | tricky)
    return "\n".join(lines) + "\n"


def _read(text: str) -> object:
    try:
        return config.loads(text, source="pb.toml", into=sm.Playbook)
    except sm.SmarketingError as exc:
        return exc


class TestPlaybookText:
    @fuzz
    @given(playbook_texts())
    def test_a_garbled_playbook_reads_or_is_a_config_error(self, text: str) -> None:
        """The default's text, garbled: a playbook or a ConfigError, never a traceback."""
        result = _read(text)
        assert isinstance(result, sm.Playbook | sm.ConfigError)


# --- sm.from_dict of every public type ---------------------------------------------------------

#: Every public type (sm.__all__'s classes: the values test_roundtrip round-trips, the
#: reports, the types that are not data, which from_dict refuses by name).
TYPES = sorted(
    (t for n in sm.__all__ if isinstance(t := getattr(sm, n), type) and t.__module__ != "builtins"),
    key=lambda t: t.__name__,
)
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | tricky
    | st.sampled_from(["2026-01-05T09:00:00+00:00", "2026-01-05", "4h", "mql", "09:00", "a == 1"])
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


@st.composite
def typed_data(draw: st.DrawFn) -> tuple[type, object]:
    """A public type, and data keyed by its own field names (so that it gets past the keys)."""
    cls = draw(st.sampled_from(TYPES))
    names = [f.name for f in attrs.fields(cls) if f.init] if attrs.has(cls) else []
    names = names or ["x"]
    keys = st.sampled_from(names) | st.text(max_size=4)
    data = draw(st.dictionaries(keys, json_values, max_size=len(names) + 1) | json_values)
    return cls, data


class TestFromDict:
    @fuzz
    @given(typed_data())
    def test_from_dict_of_every_public_type_gives_a_value_or_an_error(
        self, case: tuple[type, object]
    ) -> None:
        """sm.from_dict(cls, anything JSON): a cls value or a SmarketingError."""
        cls, data = case
        try:
            value = sm.from_dict(cls, data)
        except sm.SmarketingError:
            return
        assert isinstance(value, cls)


# --- the readers, handed the wrong kind of thing --------------------------------------------------

T = datetime(2026, 3, 5, 9, tzinfo=timezone.utc)
odd_values = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=4),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.builds(object),
)
FILES = {
    "leads.csv": "id,industry\nL-1,software\n",
    "activities.csv": "lead_id,kind,at\nL-1,page_view,2026-03-01T09:00:00+00:00\n",
    "history.csv": "lead_id,from_stage,to_stage,trigger,at\n"
    "L-1,suspect,prospect,engage,2026-03-01T09:00:00+00:00\n",
    "costs.csv": "channel,start,amount\nads,2026-03-01,100\n",
}
LC = sm.Lifecycle.default()
LEAD = sm.Lead.new("L-1", at=T)
#: Each reader, the file it reads, and the arguments it takes besides the path.
READERS: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "read_leads": (sm.read_leads, "leads.csv", ("spec", "stream", "lifecycle", "history")),
    "scan_leads": (sm.io.scan_leads, "leads.csv", ("spec", "stream", "lifecycle")),
    "read_activities": (sm.read_activities, "activities.csv", ("spec", "stream")),
    "scan_activities": (sm.io.scan_activities, "activities.csv", ("spec", "stream")),
    "read_history": (sm.read_history, "history.csv", ("spec", "stream")),
    "read_costs": (sm.read_costs, "costs.csv", ("spec", "stream")),
}


@st.composite
def reader_calls(draw: st.DrawFn) -> tuple[str, str, object]:
    name = draw(st.sampled_from(sorted(READERS)))
    argument = draw(st.sampled_from(("path", *READERS[name][2])))
    return name, argument, draw(odd_values)


class TestReaders:
    @fuzz
    @given(reader_calls())
    def test_a_reader_handed_the_wrong_kind_of_thing_reads_or_is_an_error(
        self, case: tuple[str, str, object]
    ) -> None:
        """Every reader, one argument replaced by an odd value: a result or a
        SmarketingError, never a TypeError or an AttributeError from inside."""
        name, argument, value = case
        reader, file, _ = READERS[name]
        with tempfile.TemporaryDirectory() as tmp:
            for path, text in FILES.items():
                Path(tmp, path).write_text(text, encoding="utf-8")
            kwargs: dict[str, object] = {"at": T} if "leads" in name else {}
            path: object = str(Path(tmp, file))
            if argument == "path":
                path = value
            else:
                kwargs[argument] = value
            try:
                result = reader(path, **kwargs)
                if name.startswith("scan_"):
                    list(result)
            except sm.SmarketingError:
                return

    @fuzz
    @given(
        argument=st.sampled_from(("path", "rows", "columns", "row")),
        value=odd_values,
        jsonl=st.booleans(),
    )
    def test_write_rows_handed_the_wrong_kind_of_thing_writes_or_is_an_error(
        self, argument: str, value: object, jsonl: bool
    ) -> None:
        """write_rows with one odd argument (or one odd row): it writes, or raises a
        SmarketingError and leaves no file behind."""
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp, "out.jsonl" if jsonl else "out.csv")
            args: dict[str, Any] = {"path": str(target), "rows": [{"a": 1}], "columns": ["a"]}
            if argument == "row":
                args["rows"] = [{"a": 1}, value]
            elif argument == "path" and isinstance(value, str):  # inside the folder, always
                args["path"] = str(Path(tmp, value.replace("/", "_").replace("\\", "_") or "_"))
            else:
                args[argument] = value
            try:
                sm.io.write_rows(args["path"], args["rows"], args["columns"])
            except sm.SmarketingError:
                assert not target.exists()
                assert list(Path(tmp).iterdir()) == []

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: sm.read_leads(123, at=T), "read_leads: the file must be a path"),
            (lambda: sm.io.scan_leads(1.5, at=T), "read_leads: the file must be a path"),
            (lambda: sm.read_activities(b"a.csv"), "read_activities: the file must be a path"),
            (lambda: sm.read_costs(None), "read_costs: the file must be a path"),
            (lambda: sm.read_history("h.csv", spec="x"), "read_history(spec=...) must be a Da"),
            (lambda: sm.read_leads("l.csv", at=T, history={}), "history=...) must be a history"),
            (lambda: sm.read_leads("l.csv", at=T, lifecycle="x"), "lifecycle=...) must be a Li"),
            (lambda: sm.read_costs("c.csv", stream=3), "read_costs(stream=...) must be an open"),
            (lambda: sm.io.write_rows(5, [], ["a"]), "write_rows: the file must be a path"),
            (lambda: sm.io.write_rows("o.csv", 5, ["a"]), "write_rows(rows) must be a coll"),
            (lambda: sm.io.write_rows("o.csv", [], "ab"), "write_rows(columns) must be a list"),
            (lambda: sm.io.write_rows("o.csv", [], [1]), "write_rows(columns) must be a list"),
            (lambda: sm.io.write_rows("o.csv", [], ["a"], stream=3), "write_rows(stream=...)"),
            (lambda: sm.io.atomic_output(None).__enter__(), "atomic_output: the file must be"),
            (lambda: sm.io.attach_history(5, {}, LC), "attach_history(leads) must be a coll"),
            (lambda: sm.io.attach_history([], [], LC), "attach_history(history) must be a map"),
            (lambda: sm.io.attach_history([], {}, "x"), "attach_history(lifecycle) must be a L"),
            (lambda: sm.io.attach_history(["L"], {}, LC), "leads[0] must be a Lead (got 'L')"),
            (lambda: sm.io.attach_history([LEAD], {"L-1": "x"}, LC), "must map to StageChanges"),
        ],
    )
    def test_each_wrong_argument_is_named(self, call: Any, message: str) -> None:
        """The error names the function and the argument, before any file is opened."""
        with pytest.raises(sm.ValidationError) as caught:
            call()
        assert str(caught.value).startswith(message) or message in str(caught.value)


# --- the command on generated files ------------------------------------------------------------

AT = "2026-03-05T09:00:00+00:00"
cells = st.sampled_from(
    ["", "L-1", "software", "VP Marketing", "3", "1e999", "9" * 5000, "\ufeff", '"', "a,b",
     "2026-01-05", "2026-13-45", "mql", "true", "ü", "\x00"]
)  # fmt: skip


@st.composite
def lead_files(draw: st.DrawFn) -> tuple[str, str]:
    """A leads file, CSV or JSONL, with careless rows."""
    columns = draw(
        st.lists(
            st.sampled_from(["id", "industry", "job_title", "stage", "created_at", "size", ""]),
            min_size=1,
            max_size=4,
        )
    )
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), max_size=4))
    if draw(st.booleans()):
        text = "\n".join([",".join(columns), *(",".join(r) for r in rows)]) + "\n"
        return "leads.csv", text
    lines = []
    for row in rows:
        if draw(st.booleans()):
            lines.append(json.dumps(dict(zip(columns, row, strict=True))))
        else:
            lines.append(draw(st.text(max_size=12) | tricky))
    return "leads.jsonl", "\n".join(lines) + "\n"


@st.composite
def commands(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    """A command line and the files it reads."""
    files = {"pb.toml": draw(playbook_texts() | st.just(DEFAULT_TEXT))}
    name, text = draw(lead_files())
    files[name] = text
    command = draw(st.sampled_from(("check", "score", "plan", "check-data")))
    if command == "check":
        return ["check", "pb.toml"], files
    if command == "check-data":
        return ["check", "pb.toml", name], files
    return [command, name, "--playbook", "pb.toml", "--at", AT, "-o", "out.csv"], files


def run(argv: list[str], files: dict[str, str]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_text(text, encoding="utf-8", errors="surrogatepass")
        args = [str(Path(tmp, a)) if a in files or a == "out.csv" else a for a in argv]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(args)
        return status, err.getvalue()


class TestCommand:
    @fuzz
    @given(commands())
    def test_the_command_on_generated_files_exits_cleanly(
        self, case: tuple[list[str], dict[str, Any]]
    ) -> None:
        """check, score and plan on careless files: exit 0, 1 or 2, and no traceback; a
        failure (2) is one line."""
        status, err = run(*case)
        assert status in (0, 1, 2)
        assert "Traceback" not in err
        if status == 2:
            assert err.strip().splitlines()[-1].startswith("smarketing: error: ")
