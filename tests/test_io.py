"""Reading real files without losing a byte: ids as written, placeholders, rejects with the raw
row, file-level errors with their line, streaming, and atomic output."""

from __future__ import annotations

import csv
import gc
import io
import itertools
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smarketing as sm
from smarketing.io import (
    FileFormatError,
    atomic_output,
    auto_value,
    parse_time,
    read_activities,
    read_history,
    read_leads,
    resolve_tz,
    scan_leads,
    write_rows,
)

AT = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
UTC = timezone.utc


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


class TestIds:
    def test_ids_are_text_exactly_as_written(self, tmp_path: Path) -> None:
        """007, 7 and 7.0 are three leads, and each id joins back to the CRM."""
        path = write(tmp_path, "l.csv", "id,name\n007,a\n7,b\n7.0,c\n")
        result = read_leads(path, at=AT)
        assert [lead.id for lead in result.leads] == ["007", "7", "7.0"]
        assert result.rejects == ()

    def test_a_repeated_id_is_a_reject_naming_the_first_line(self, tmp_path: Path) -> None:
        """The second row with the same id is kept as a reject, not merged."""
        path = write(tmp_path, "l.csv", "id,name\n7,a\n7,b\n")
        result = read_leads(path, at=AT)
        assert [lead.id for lead in result.leads] == ["7"]
        (reject,) = result.rejects
        assert (reject.line, reject.raw) == (3, "7,b\n")
        assert "first on line 2" in reject.reason

    def test_the_id_column_is_named_by_the_spec(self, tmp_path: Path) -> None:
        """A CRM export's 'Prospect ID' is the id."""
        path = write(tmp_path, "l.csv", "Prospect ID,City\nabc-1,Berlin\n")
        (lead,) = read_leads(path, spec=sm.DataSpec(id="Prospect ID"), at=AT).leads
        assert lead.id == "abc-1"
        assert lead.facts()["City"] == "Berlin"
        assert "Prospect ID" not in lead.fields

    def test_without_an_id_column_rows_are_numbered_in_file_order(self, tmp_path: Path) -> None:
        """A survey export has no ids: DataSpec(id=None) numbers the records 1, 2, ..."""
        path = write(tmp_path, "s.csv", "age,job\n56,housemaid\n57,x,y\n37,services\n")
        result = read_leads(path, spec=sm.DataSpec(id=None), at=AT)
        assert [lead.id for lead in result.leads] == ["1", "3"]
        assert [r.line for r in result.rejects] == [3]

    def test_a_missing_id_column_is_a_file_error_even_without_rows(self, tmp_path: Path) -> None:
        """A header-only file without the id column does not succeed with nothing."""
        path = write(tmp_path, "l.csv", "name,email\n")
        with pytest.raises(FileFormatError, match=r"l\.csv:1: no 'id' column.*'name', 'email'"):
            read_leads(path, at=AT)

    def test_a_missing_named_id_column_says_which_column_to_set(self, tmp_path: Path) -> None:
        """[data] id = "Prospect ID" on a file without it: the error names it, and does not
        suggest numbering the rows (that hint is for the default 'id')."""
        path = write(tmp_path, "l.csv", "name,email\nAna,a@b.io\n")
        with pytest.raises(FileFormatError) as info:
            read_leads(path, spec=sm.DataSpec(id="Prospect ID"), at=AT)
        assert str(info.value) == (
            f"{path}:1: no 'Prospect ID' column (the id); set [data] id to the id column's name "
            "(columns: 'name', 'email')."
        )

    def test_an_empty_id_is_a_reject(self, tmp_path: Path) -> None:
        """A row without an id cannot be joined back: it is rejected with its text."""
        path = write(tmp_path, "l.csv", "id,name\n,a\n")
        (reject,) = read_leads(path, at=AT).rejects
        assert "'id' is empty" in reject.reason
        assert reject.raw == ",a\n"


class TestCells:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("250", 250),
            ("-3", -3),
            ("2.5", 2.5),
            ("0.1", 0.1),
            ("01234", "01234"),
            ("0049151", "0049151"),
            ("+49", "+49"),
            ("1,5", "1,5"),
            ("1_000", "1_000"),
            ("\u0661\u0662", "\u0661\u0662"),
            ("1e3", "1e3"),
            ("2.50", "2.50"),
            ("-0", "-0"),
            ("nan", "nan"),
            ("inf", "inf"),
            (" 12", " 12"),
            ("Ana", "Ana"),
        ],
    )
    def test_a_cell_is_a_number_only_when_it_writes_back_to_the_same_text(
        self, text: str, value: object
    ) -> None:
        """Leading zeros, signs, separators and other digits are text: never a guess."""
        got = auto_value(text)
        assert got == value and type(got) is type(value)

    def test_placeholders_and_empty_cells_are_unknown(self, tmp_path: Path) -> None:
        """'Select' in a CRM export means not answered: no fact, not the word 'Select'."""
        path = write(tmp_path, "l.csv", "id,city,size,note\n1,Select,,  \n2,Berlin,5,ok\n")
        spec = sm.DataSpec(missing=("Select",))
        one, two = read_leads(path, spec=spec, at=AT).leads
        assert set(one.fields) == set()
        assert dict(two.facts()) | {} == {
            "city": "Berlin",
            "size": 5,
            "note": "ok",
            "id": "2",
            "stage": "suspect",
            "source": None,
        }

    def test_types_fix_a_columns_type(self, tmp_path: Path) -> None:
        """types says zip is text, total_visits a number, converted a boolean."""
        path = write(tmp_path, "l.csv", "id,zip,total_visits,converted\n1,1234,2.50,Yes\n")
        spec = sm.DataSpec(types={"zip": "text", "total_visits": "number", "converted": "boolean"})
        (lead,) = read_leads(path, spec=spec, at=AT).leads
        assert lead.facts()["zip"] == "1234"
        assert lead.facts()["total_visits"] == 2.5
        assert lead.facts()["converted"] is True

    def test_a_cell_that_does_not_fit_its_type_is_a_reject(self, tmp_path: Path) -> None:
        """A typed column that says 'many' for a number is a reject naming column and cell."""
        path = write(tmp_path, "l.csv", "id,visits\n1,many\n2,3\n")
        result = read_leads(path, spec=sm.DataSpec(types={"visits": "number"}), at=AT)
        assert [lead.id for lead in result.leads] == ["2"]
        assert "visits: 'many' is not a number" in result.rejects[0].reason

    @pytest.mark.parametrize("cell", ["1e999", "-1e400"])
    def test_a_number_too_large_for_a_float_is_a_reject(self, tmp_path: Path, cell: str) -> None:
        """Written like a number, but past the largest float: not a number, a reject."""
        path = write(tmp_path, "l.csv", f"id,visits\n1,{cell}\n")
        result = read_leads(path, spec=sm.DataSpec(types={"visits": "number"}), at=AT)
        assert result.leads == ()
        assert result.rejects[0].reason.endswith(f"visits: {cell!r} is not a number")

    def test_renamed_columns_become_the_built_in_ones(self, tmp_path: Path) -> None:
        """'Lead Source' renamed to source is the lead's source; other renames name facts."""
        path = write(tmp_path, "l.csv", "id,Lead Source,What is your role\n1,Google,CTO\n")
        spec = sm.DataSpec(rename={"Lead Source": "source", "What is your role": "role"})
        (lead,) = read_leads(path, spec=spec, at=AT).leads
        assert lead.source == "Google"
        assert lead.facts()["role"] == "CTO"

    def test_a_column_with_spaces_is_a_fact_a_condition_can_name(self, tmp_path: Path) -> None:
        """Without a rename, `Lead Origin` is read as is and a backquoted condition reads it."""
        path = write(tmp_path, "l.csv", "id,Lead Origin\n1,API\n")
        (lead,) = read_leads(path, at=AT).leads
        assert sm.parse_condition("`Lead Origin` == 'API'").holds(lead.facts())

    def test_two_columns_renamed_to_one_name_are_a_file_error(self, tmp_path: Path) -> None:
        """Renaming must not silently drop a column."""
        path = write(tmp_path, "l.csv", "id,a,b\n1,x,y\n")
        with pytest.raises(FileFormatError, match="appears twice"):
            read_leads(path, spec=sm.DataSpec(rename={"a": "c", "b": "c"}), at=AT)


class TestMalformedFiles:
    def test_an_empty_file_is_an_error(self, tmp_path: Path) -> None:
        """An empty file is not an empty success."""
        with pytest.raises(FileFormatError, match=r"e\.csv:1: the file is empty"):
            read_leads(write(tmp_path, "e.csv", ""), at=AT)

    def test_an_unterminated_quote_is_an_error_naming_its_line(self, tmp_path: Path) -> None:
        """A quote opened and never closed does not swallow the rest of the file quietly."""
        path = write(tmp_path, "l.csv", 'id,name\n1,a\n2,"b\n3,c\n4,d\n')
        with pytest.raises(FileFormatError, match=r"l\.csv:3: .*never closed"):
            read_leads(path, at=AT)

    def test_a_ragged_row_is_a_reject_with_its_raw_text(self, tmp_path: Path) -> None:
        """Too many or too few cells: the row is kept as written, with its line."""
        path = write(tmp_path, "l.csv", 'id,name\n1,a,extra\n2\n3,"multi\nline"\n')
        result = read_leads(path, at=AT)
        assert [(r.line, r.raw) for r in result.rejects] == [(2, "1,a,extra\n"), (3, "2\n")]
        assert result.leads[0].facts()["name"] == "multi\nline"

    def test_whitespace_only_and_empty_rows_are_rejects(self, tmp_path: Path) -> None:
        """A row of blanks does not vanish: it is counted and shown."""
        path = write(tmp_path, "l.csv", "id,name\n1,a\n   \n\n , \n2,b\n")
        result = read_leads(path, at=AT)
        assert [r.line for r in result.rejects] == [3, 4, 5]
        assert result.rows == 5 == len(result.leads) + len(result.rejects)

    def test_bad_utf8_is_an_error_naming_its_line(self, tmp_path: Path) -> None:
        """Latin-1 bytes in a UTF-8 file are named by line."""
        path = tmp_path / "l.csv"
        path.write_bytes(b"id,name\n1,a\n2,Jos\xe9\n")
        with pytest.raises(FileFormatError, match=r"l\.csv:3: not UTF-8"):
            read_leads(path, at=AT)

    def test_a_bad_header_is_an_error(self, tmp_path: Path) -> None:
        """A nameless column cannot be a fact."""
        with pytest.raises(FileFormatError, match="column 2 has no name"):
            read_leads(write(tmp_path, "l.csv", "id,,x\n1,2,3\n"), at=AT)

    def test_unknown_extensions_and_missing_files_are_errors(self, tmp_path: Path) -> None:
        """The format comes from the extension; a missing file is one line."""
        with pytest.raises(FileFormatError, match=r"extension '\.xlsx'"):
            read_leads(tmp_path / "l.xlsx", at=AT)
        with pytest.raises(FileFormatError, match="cannot open"):
            read_leads(tmp_path / "nope.csv", at=AT)

    @pytest.mark.parametrize(
        ("delimiter", "name"), [(";", "l.csv"), ("\t", "l.tsv"), ("|", "l.csv")]
    )
    def test_the_delimiter_is_sniffed_from_the_header(
        self, tmp_path: Path, delimiter: str, name: str
    ) -> None:
        """A European export with semicolons reads without configuration."""
        text = csv_text([["id", "name", "city"], ["1", "a,b", "Köln"]], delimiter)
        (lead,) = read_leads(write(tmp_path, name, text), at=AT).leads
        assert lead.facts()["name"] == "a,b"

    def test_a_given_delimiter_is_used(self, tmp_path: Path) -> None:
        """DataSpec(delimiter=';') overrides the sniffing."""
        path = write(tmp_path, "l.csv", "id;a,b\n1;x,y\n")
        (lead,) = read_leads(path, spec=sm.DataSpec(delimiter=";"), at=AT).leads
        assert lead.facts()["a,b"] == "x,y"


class TestJsonLines:
    def test_json_types_are_kept_and_ids_are_text(self, tmp_path: Path) -> None:
        """Numbers, booleans and lists as JSON says; an integer id is its digits."""
        text = '{"id": 7, "size": 250, "ok": true, "tags": ["a"], "gone": null}\n'
        (lead,) = read_leads(write(tmp_path, "l.jsonl", text), at=AT).leads
        assert lead.id == "7"
        assert lead.facts() == {
            "size": 250,
            "ok": True,
            "tags": ("a",),
            "id": "7",
            "stage": "suspect",
            "source": None,
        }

    @pytest.mark.parametrize(
        ("line", "problem"),
        [
            ('{"id": {"a": 1}}', "'id' must be text"),
            ('{"id": true}', "'id' must be text"),
            ('{"id": 7.5}', "'id' must be text"),
            ('{"id": "x", "a": {"b": 1}}', "text, a number"),
            ("[1, 2]", "not a JSON object"),
            ("{oops", "not JSON"),
            ('{"id": "x", "n": ' + "9" * 5000 + "}", "not readable as JSON"),
            ("[" * 100_000 + "]" * 100_000, "not readable as JSON"),
            ('{"name": "no id"}', "no 'id'"),
            ("   ", "an empty line"),
        ],
    )
    def test_bad_lines_are_rejects_not_text(self, tmp_path: Path, line: str, problem: str) -> None:
        """A JSON id that is an object or a boolean is not silently turned into text."""
        path = write(tmp_path, "l.jsonl", '{"id": "ok"}\n' + line + "\n")
        result = read_leads(path, at=AT)
        assert [lead.id for lead in result.leads] == ["ok"]
        (reject,) = result.rejects
        assert reject.line == 2
        assert problem in reject.reason
        assert reject.raw.startswith(line[:50])

    def test_an_empty_jsonl_file_is_an_error(self, tmp_path: Path) -> None:
        """No lines at all is a file error, as for CSV."""
        with pytest.raises(FileFormatError, match="empty"):
            read_leads(write(tmp_path, "l.jsonl", ""), at=AT)

    def test_json_keys_are_renamed_and_placeholders_unknown(self, tmp_path: Path) -> None:
        """The spec applies to JSON Lines as to CSV."""
        text = '{"Prospect ID": "p1", "Lead Source": "Select", "city": "Select"}\n'
        spec = sm.DataSpec(id="Prospect ID", missing=("Select",), rename={"Lead Source": "source"})
        (lead,) = read_leads(write(tmp_path, "l.jsonl", text), spec=spec, at=AT).leads
        assert (lead.id, lead.source, dict(lead.fields)) == ("p1", None, {})


class TestLeadColumns:
    def test_created_at_stage_and_source(self, tmp_path: Path) -> None:
        """The built-in columns set the lead's own attributes; a blank created_at is at=."""
        text = "id,created_at,stage,source,size\n1,2026-01-02T10:00:00+01:00,mql,web,5\n2,,,,\n"
        one, two = read_leads(write(tmp_path, "l.csv", text), at=AT).leads
        assert one.created_at == datetime(2026, 1, 2, 9, tzinfo=UTC)
        assert (one.stage, one.source) == ("mql", "web")
        assert (two.created_at, two.stage, two.source) == (AT, "suspect", None)

    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("2026-01-02T10:00:00+01:00", datetime(2026, 1, 2, 9, tzinfo=UTC)),
            ("2026-01-02T10:00:00", datetime(2026, 1, 2, 10, tzinfo=UTC)),
            ("2026-01-02", datetime(2026, 1, 2, tzinfo=UTC)),
            ("Jan 2 2026 10:00 +01:00", datetime(2026, 1, 2, 9, tzinfo=UTC)),
            ("n/a", AT),
            ("2026-01-02T10:00:00+00:00 ", datetime(2026, 1, 2, 10, tzinfo=UTC)),
        ],
        ids=["iso with offset", "iso without", "a date", "loose", "a placeholder", "spaced"],
    )
    def test_created_at_as_written(self, tmp_path: Path, written: str, expected: datetime) -> None:
        """Every way of writing a creation time reads to the same moment as parse_time's; a
        placeholder is unknown (the lead was created at=)."""
        path = write(tmp_path, "l.csv", f"id,created_at\n1,{written}\n")
        (lead,) = read_leads(path, spec=sm.DataSpec(missing=("n/a",)), at=AT).leads
        assert lead.created_at == expected

    def test_a_placeholder_that_reads_as_a_time_is_still_unknown(self, tmp_path: Path) -> None:
        path = write(tmp_path, "l.csv", "id,created_at\n1,1970-01-01T00:00:00+00:00\n")
        spec = sm.DataSpec(missing=("1970-01-01T00:00:00+00:00",))
        (lead,) = read_leads(path, spec=spec, at=AT).leads
        assert lead.created_at == AT

    def test_a_stage_the_lifecycle_lacks_is_a_reject(self, tmp_path: Path) -> None:
        """With a lifecycle, the stage column is checked against it."""
        text = "id,stage\n1,mql\n2,lead\n"
        result = read_leads(write(tmp_path, "l.csv", text), at=AT, lifecycle=sm.Lifecycle.default())
        assert [lead.id for lead in result.leads] == ["1"]
        assert "'lead' is not a stage" in result.rejects[0].reason

    def test_numbers_in_built_in_columns_stay_text(self, tmp_path: Path) -> None:
        """A source written as 2024 is the text '2024'."""
        (lead,) = read_leads(write(tmp_path, "l.csv", "id,source\n1,2024\n"), at=AT).leads
        assert lead.source == "2024"

    def test_day_first_dates_are_a_setting_not_a_guess(self, tmp_path: Path) -> None:
        """03/04/2026 is 4 March unless dayfirst; 13/04/2026 month-first is a reject."""
        path = write(tmp_path, "l.csv", "id,created_at\n1,03/04/2026\n2,13/04/2026\n")
        result = read_leads(path, at=AT)
        assert result.leads[0].created_at.date().isoformat() == "2026-03-04"
        assert "dayfirst = true" in result.rejects[0].reason
        both = read_leads(path, spec=sm.DataSpec(dayfirst=True), at=AT).leads
        assert [lead.created_at.date().isoformat() for lead in both] == ["2026-04-03", "2026-04-13"]

    def test_zone_less_times_take_the_specs_zone(self, tmp_path: Path) -> None:
        """DataSpec(timezone=...) is the zone of timestamps written without one."""
        path = write(tmp_path, "l.csv", "id,created_at\n1,2026-01-02 09:00\n")
        spec = sm.DataSpec(timezone="Europe/Berlin")
        (lead,) = read_leads(path, spec=spec, at=AT).leads
        assert lead.created_at.astimezone(UTC) == datetime(2026, 1, 2, 8, tzinfo=UTC)


class TestActivitiesAndHistory:
    def test_activities_with_properties(self, tmp_path: Path) -> None:
        """Other columns are properties, read as fields are."""
        text = "lead_id,kind,at,url,zip\n007,page_view,2026-01-02T10:00:00Z,/pricing,01234\n"
        (a,) = read_activities(write(tmp_path, "a.csv", text)).records
        assert (a.lead_id, a.kind, dict(a.properties)) == (
            "007",
            "page_view",
            {"url": "/pricing", "zip": "01234"},
        )

    @settings(max_examples=40, deadline=None)
    @given(
        extra=st.lists(st.sampled_from(["url", "channel", "zip", "n"]), unique=True, max_size=3),
        cells=st.lists(
            st.sampled_from(["", "a", "b", "007", "5", "2.5"]), min_size=12, max_size=12
        ),
        order=st.permutations(range(3)),
    )
    def test_properties_are_the_other_cells_in_csv_and_json_lines(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        extra: list[str],
        cells: list[str],
        order: list[int],
    ) -> None:
        """Whatever the property columns and where the built-in ones stand, each activity's
        properties are its other non-empty cells, read as lead fields are; equal cells share
        one mapping, and JSON Lines rows of the same cells read the same."""
        folder = tmp_path_factory.mktemp("props")
        builtin = [["lead_id", "kind", "at"][i] for i in order]
        header = builtin + extra
        rows = []
        for n in range(4):
            own = {"lead_id": f"L{n % 2}", "kind": "visit", "at": f"2026-01-0{n + 1}T10:00:00Z"}
            rows.append({**own, **{c: cells[3 * n + i] for i, c in enumerate(extra)}})
        text = (
            ",".join(header)
            + "\n"
            + "".join(",".join(row[c] for c in header) + "\n" for row in rows)
        )
        lines = "".join(json.dumps(row) + "\n" for row in rows)
        got_csv = read_activities(write(folder, "a.csv", text)).records
        got_json = read_activities(write(folder, "a.jsonl", lines)).records
        want = [{c: auto_value(row[c]) for c in extra if row[c]} for row in rows]
        assert [dict(a.properties) for a in got_csv] == want
        assert [dict(a.properties) for a in got_json] == want
        assert [a.lead_id for a in got_csv] == [f"L{n % 2}" for n in range(4)]
        for i, j in itertools.combinations(range(4), 2):
            if want[i] == want[j] and all(rows[i][c] == rows[j][c] for c in extra):
                assert got_csv[i].properties is got_csv[j].properties

    def test_an_activities_file_needs_its_columns(self, tmp_path: Path) -> None:
        """lead_id, kind and at are required, named in the error."""
        with pytest.raises(FileFormatError, match="no 'at' column"):
            read_activities(write(tmp_path, "a.csv", "lead_id,kind\n1,x\n"))

    def test_bad_activity_rows_are_rejects(self, tmp_path: Path) -> None:
        """A bad time or an empty kind is a reject with its line."""
        text = "lead_id,kind,at\n1,x,yesterday-ish\n1,,2026-01-01\n1,y,2026-01-01\n"
        result = read_activities(write(tmp_path, "a.csv", text))
        assert [r.line for r in result.rejects] == [2, 3]
        assert result.rows == 3

    def test_history_by_lead_in_time_order(self, tmp_path: Path) -> None:
        """read_history gives each lead's changes; an earlier change after a later one is a
        reject."""
        text = (
            "lead_id,from_stage,to_stage,trigger,at,actor,reason\n"
            "1,suspect,prospect,engage,2026-01-02,,\n"
            "1,prospect,mql,qualify,2026-01-03,,\n"
            "1,mql,sql,accept,2026-01-01,sales:jo,\n"
        )
        result = read_history(write(tmp_path, "h.csv", text))
        assert [c.to_stage for c in result.records["1"]] == ["prospect", "mql"]
        assert "earlier than the one on line 3" in result.rejects[0].reason

    def test_leads_carry_their_recorded_history(self, tmp_path: Path) -> None:
        """read_leads(history=...) replays each lead's changes; a misfit is a reject."""
        leads = write(tmp_path, "l.csv", "id,stage\n1,mql\n2,sql\n3,suspect\n")
        history = write(
            tmp_path,
            "h.csv",
            "lead_id,from_stage,to_stage,trigger,at\n"
            "1,suspect,prospect,engage,2026-01-02\n"
            "1,prospect,mql,qualify,2026-01-03\n"
            "2,suspect,sql,accept,2026-01-02\n",
        )
        result = read_leads(leads, at=AT, history=history)
        assert [lead.id for lead in result.leads] == ["1", "3"]
        one = result.leads[0]
        assert one.entered("mql") == datetime(2026, 1, 3, tzinfo=UTC)
        assert one.high_water == "mql"
        (reject,) = result.rejects
        assert (reject.line, reject.raw, reject.path) == (3, "2,sql\n", str(leads))
        assert "h.csv" in reject.reason
        assert result.rows == len(result.leads) + len(result.rejects)

    def test_a_misfit_after_a_bad_row_names_its_own_line(self, tmp_path: Path) -> None:
        """The leads file read again for a misfit's line passes over its ragged row."""
        leads = write(tmp_path, "l.csv", "id,stage\n1,mql,extra\n2,sql\n")
        history = write(
            tmp_path,
            "h.csv",
            "lead_id,from_stage,to_stage,trigger,at\n2,suspect,sql,accept,2026-01-02\n",
        )
        result = read_leads(leads, at=AT, history=history)
        assert result.leads == ()
        assert [(r.line, r.raw) for r in result.rejects] == [(2, "1,mql,extra\n"), (3, "2,sql\n")]
        assert result.rows == 2

    def test_json_activity_times_must_be_text_and_properties_may_be_lists(
        self, tmp_path: Path
    ) -> None:
        """A JSON number where a time belongs is a reject; a list or an object among the
        properties is read as it is."""
        lines = [
            {"lead_id": "1", "kind": "ad", "at": 1767225600},
            {"lead_id": "1", "kind": "ad", "at": "2026-01-02T10:00:00Z", "tags": ["a", "b"]},
        ]
        path = write(tmp_path, "a.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
        result = read_activities(path)
        (reject,) = result.rejects
        assert reject.line == 1
        assert reject.reason == "'at' must be a timestamp written as text (got 1767225600)"
        (a,) = result.records
        assert dict(a.properties) == {"tags": ("a", "b")}

    def test_past_the_shared_properties_every_row_reads_its_own(self, tmp_path: Path) -> None:
        """Activities with more distinct properties than are shared still each get theirs."""
        from smarketing.io._read import SHARED_PROPERTIES

        n = SHARED_PROPERTIES + 3
        text = "lead_id,kind,at,url\n" + "".join(
            f"1,page_view,2026-01-02T10:00:00Z,/p{i}\n" for i in range(n)
        )
        records = read_activities(write(tmp_path, "a.csv", text)).records
        assert [a.properties["url"] for a in records] == [f"/p{i}" for i in range(n)]
        lines = "".join(
            json.dumps(
                {"lead_id": "1", "kind": "page_view", "at": "2026-01-02T10:00:00Z", "url": f"/p{i}"}
            )
            + "\n"
            for i in [*range(n), 0]
        )
        records = read_activities(write(tmp_path, "a.jsonl", lines)).records
        assert [a.properties["url"] for a in records] == [f"/p{i}" for i in [*range(n), 0]]
        assert records[-1].properties is records[0].properties  # the first ones are shared


class TestStreaming:
    def test_scan_reads_one_row_at_a_time(self, tmp_path: Path) -> None:
        """A scan yields leads as it reads and counts rows and rejects as it goes."""
        path = write(tmp_path, "l.csv", "id\n1\n2\n2\n3\n")
        scan = scan_leads(path, at=AT)
        it = iter(scan)
        assert next(it).id == "1"
        assert scan.rows == 1
        rest = [lead.id for lead in it]
        assert rest == ["2", "3"]
        assert (scan.rows, len(scan.rejects)) == (4, 1)

    def test_what_was_read_joins_the_oldest_generation_at_once(self, tmp_path: Path) -> None:
        """Read values are long-lived: no young pass of the collector walks them after the read,
        and the collector is left as it was found."""
        path = write(tmp_path, "l.csv", "id,industry\n1,software\n2,saas\n")
        lead = read_leads(path, at=AT).leads[0]
        young = {id(x) for x in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
        assert id(lead) not in young
        assert any(x is lead for x in gc.get_objects(generation=2))
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0

    def test_values_a_program_froze_stay_frozen(self, tmp_path: Path) -> None:
        """The move is skipped when the program has frozen values of its own."""
        path = write(tmp_path, "l.csv", "id\n1\n")
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            assert frozen > 0
            read_leads(path, at=AT)
            assert gc.get_freeze_count() == frozen
        finally:
            gc.unfreeze()


class TestTimes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-03-02T09:00:00+00:00", datetime(2026, 3, 2, 9, tzinfo=UTC)),
            ("2026-03-02 09:00", datetime(2026, 3, 2, 9, tzinfo=UTC)),
            ("March 2, 2026 9:00", datetime(2026, 3, 2, 9, tzinfo=UTC)),
        ],
    )
    def test_reads_iso_and_common_formats(self, text: str, expected: datetime) -> None:
        """ISO 8601 first, then the usual written forms; zone-less ones get the default."""
        assert parse_time(text, default_tz=UTC, where="at") == expected

    @pytest.mark.parametrize("value", ["soon", "", 5, None])
    def test_bad_times_name_the_column(self, value: object) -> None:
        """A bad timestamp is a ValidationError naming where it came from."""
        with pytest.raises(sm.ValidationError, match="at"):
            parse_time(value, default_tz=UTC, where="at")

    @pytest.mark.parametrize("name", ["Mars/Olympus", "/etc/passwd", "../../etc/passwd", ""])
    def test_only_zone_names_are_zones(self, name: str) -> None:
        """A path is never read as a zone file."""
        with pytest.raises(sm.ValidationError, match="time zone name"):
            resolve_tz(name)

    def test_a_datetime_is_taken_as_it_is(self) -> None:
        """Already a datetime (a typed cell, a JSON reader's): kept, a naive one given the
        default zone."""
        aware = datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=2)))
        assert parse_time(aware, default_tz=UTC, where="at") is aware
        naive = parse_time(datetime(2026, 3, 2, 9), default_tz=UTC, where="at")
        assert naive == datetime(2026, 3, 2, 9, tzinfo=UTC)

    def test_zone_names_resolve(self) -> None:
        """IANA names work."""
        zone = resolve_tz("Europe/Berlin")
        assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(hours=2)


class TestWriting:
    def test_output_is_atomic(self, tmp_path: Path) -> None:
        """An error half-way leaves the previous file as it was and no temporary behind."""
        target = tmp_path / "out.csv"
        target.write_text("the previous good file\n")

        def rows():
            yield {"a": 1}
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            write_rows(target, rows(), ["a"])
        assert target.read_text() == "the previous good file\n"
        assert os.listdir(tmp_path) == ["out.csv"]

    def test_atomic_output_replaces_on_success(self, tmp_path: Path) -> None:
        """The new content appears only when the block ends."""
        target = tmp_path / "report.md"
        with atomic_output(target) as out:
            out.write("# new\n")
            assert not target.exists()
        assert target.read_text() == "# new\n"

    @pytest.mark.parametrize("name", ["out.csv", "out.jsonl"])
    def test_round_trips_through_the_readers(self, tmp_path: Path, name: str) -> None:
        """What the writer writes, the readers read back."""
        path = tmp_path / name
        rows = [{"id": "007", "size": 250, "tags": ("a", "b") if "jsonl" in name else "a"}]
        write_rows(path, rows, ["id", "size", "tags"])
        (lead,) = read_leads(path, at=AT).leads
        assert lead.id == "007"
        assert lead.facts()["size"] == 250

    def test_json_lines_write_times_as_iso_text(self, tmp_path: Path) -> None:
        """A datetime in a JSON Lines row is written as ISO 8601 text, which reads back."""
        path = tmp_path / "out.jsonl"
        write_rows(
            path, [{"id": "1", "created_at": AT, "seen": None}], ["id", "created_at", "seen"]
        )
        assert json.loads(path.read_text()) == {
            "id": "1",
            "created_at": "2026-03-02T09:00:00+00:00",
            "seen": None,
        }
        (lead,) = read_leads(path, at=AT).leads
        assert lead.created_at == AT


# --- properties ---------------------------------------------------------------------------------

_cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12
).filter(lambda t: t.strip() != "")


class TestNothingIsLost:
    @settings(max_examples=60)
    @given(
        st.lists(
            st.tuples(st.from_regex(r"[0-9A-Za-z\-]{1,8}", fullmatch=True), _cell_text, _cell_text),
            min_size=1,
            max_size=12,
            unique_by=lambda r: r[0],
        ),
        st.sampled_from([",", ";", "\t"]),
    )
    def test_text_cells_and_ids_survive_byte_for_byte(
        self, rows: list[tuple[str, str, str]], delimiter: str
    ) -> None:
        """Leading zeros, spaces, quotes, newlines inside quotes, unicode: all kept."""
        text = csv_text([["id", "a", "b"], *[list(r) for r in rows]], delimiter)
        spec = sm.DataSpec(types={"a": "text", "b": "text"}, delimiter=delimiter)
        result = read_leads("x.csv", spec=spec, at=AT, stream=io.StringIO(text, newline=""))
        assert result.rejects == ()
        got = [(lead.id, lead.facts()["a"], lead.facts()["b"]) for lead in result.leads]
        assert got == rows

    @settings(max_examples=100)
    @given(
        st.lists(
            st.one_of(
                st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False)
            ),
            min_size=1,
            max_size=10,
        )
    )
    def test_numbers_round_trip(self, numbers: list[float]) -> None:
        """A number written by Python reads back as the same number."""
        text = csv_text([["id", "n"], *[[str(i), repr(n)] for i, n in enumerate(numbers)]])
        result = read_leads("x.csv", at=AT, stream=io.StringIO(text, newline=""))
        assert [lead.facts()["n"] for lead in result.leads] == numbers

    @settings(max_examples=150)
    @given(
        st.lists(st.lists(_cell_text, min_size=1, max_size=4), min_size=1, max_size=8),
        st.data(),
    )
    def test_rows_read_equal_leads_plus_rejects_for_damaged_files(
        self, table: list[list[str]], data: st.DataObject
    ) -> None:
        """Truncated, with stray quotes or dropped delimiters: every row is a lead or a reject
        (or the whole file is a FileFormatError), never silently dropped."""
        rows = [[str(i), *cells] for i, cells in enumerate(table)]
        text = csv_text([["id", "a", "b", "c", "d"], *rows])
        damage = data.draw(st.sampled_from(["truncate", "quote", "drop", "none"]))
        spot = data.draw(st.integers(len("id,a,b,c,d\n"), max(len(text) - 1, 12)))
        if damage == "truncate":
            text = text[:spot]
        elif damage == "quote":
            text = text[:spot] + '"' + text[spot:]
        elif damage == "drop":
            text = text[:spot] + text[spot:].replace(",", "", 1)
        try:
            result = read_leads("x.csv", at=AT, stream=io.StringIO(text, newline=""))
        except FileFormatError:
            return
        assert result.rows == len(result.leads) + len(result.rejects)
        physical = text.count("\n") + (not text.endswith("\n"))
        assert result.rows <= physical
        for reject in result.rejects:
            assert reject.raw and reject.raw in text


class TestRealExport:
    def test_a_crm_export_reads_with_a_three_line_spec(self, tmp_path: Path) -> None:
        """Prospect ID, 'Select' placeholders, spaces in names, codes with leading zeros: every
        lead, no rejects, no placeholder as a fact."""
        header = ["Prospect ID", "Lead Source", "Total Visits", "City", "Specialization", "Zip"]
        body = [
            ["7927b2df-8bba-4d29", "Google", "5", "Select", "Select", "01234"],
            ["2a272436-5132-4136", "Direct Traffic", "2", "Mumbai", "Business Admin", "00400"],
            ["8cc8c611-a219-4f35", "Select", "", "Thane & Outskirts", "Select", "40001"],
        ]
        path = write(tmp_path, "Leads.csv", csv_text([header, *body]))
        spec = sm.DataSpec(id="Prospect ID", missing=("Select",), rename={"Lead Source": "source"})
        result = read_leads(path, spec=spec, at=AT)
        assert (len(result.leads), result.rejects) == (3, ())
        for lead in result.leads:
            assert "Select" not in lead.facts().values()
        assert [lead.facts().get("Zip") for lead in result.leads] == ["01234", "00400", 40001]
        assert result.leads[1].source == "Direct Traffic"
        assert json.dumps(sm.to_dict(result.leads[0]))  # serialisable as it is


class TestDataSpec:
    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"id": ""}, "DataSpec.id must be a column name"),
            ({"id": 5}, "DataSpec.id must be a column name"),
            ({"missing": "Select"}, "must be a list of texts"),
            ({"missing": 5}, "must be a list of texts"),
            ({"missing": ["Select", 0]}, "texts that mean 'not answered'"),
            ({"rename": ["a"]}, "must be a table of column names"),
            ({"rename": {"a": ""}}, "maps column names to texts"),
            ({"types": {"zip": "zipcode"}}, "a column's type is one of text, number"),
            ({"types": {"": "text"}}, "maps column names to texts"),
            ({"delimiter": ":"}, "DataSpec.delimiter must be one of"),
            ({"dayfirst": "yes"}, "DataSpec.dayfirst must be true or false"),
            ({"timezone": ""}, "DataSpec.timezone must be a zone name"),
        ],
    )
    def test_a_bad_spec_is_a_config_error_naming_its_key(
        self, kwargs: dict[str, object], problem: str
    ) -> None:
        """A bad [data] section is a definition error, named by its key."""
        with pytest.raises(sm.ConfigError, match=problem) as info:
            sm.DataSpec(**kwargs)  # type: ignore[arg-type]
        assert info.value.key is not None and info.value.key.startswith("data.")

    def test_placeholders_are_kept_once_in_order(self) -> None:
        """missing is a tuple without repeats."""
        assert sm.DataSpec(missing=["N/A", "Select", "N/A"]).missing == ("N/A", "Select")

    def test_an_unknown_zone_is_named_when_reading(self, tmp_path: Path) -> None:
        """A zone name that is no zone fails before any row is read."""
        path = write(tmp_path, "l.csv", "id\n1\n")
        with pytest.raises(sm.ValidationError, match="'Mars/Base' is not a time zone"):
            read_leads(path, spec=sm.DataSpec(timezone="Mars/Base"), at=AT)

    def test_a_playbook_data_section_round_trips(self) -> None:
        """[data] in a playbook reads into Playbook.data and writes back."""
        data = {"data": {"id": False, "missing": ["Select"], "types": {"zip": "text"}}}
        pb = sm.Playbook.from_dict(data)
        assert pb.data == sm.DataSpec(id=None, missing=("Select",), types={"zip": "text"})
        assert pb.to_dict()["data"] == data["data"]
        assert sm.Playbook.from_dict(pb.to_dict()) == pb

    def test_a_bad_data_section_names_file_and_key(self) -> None:
        """A wrong type in [data] is a ConfigError naming the key path."""
        with pytest.raises(sm.ConfigError, match=r"data.types.zip: 'zipcode' is not one of"):
            sm.Playbook.from_dict({"data": {"types": {"zip": "zipcode"}}}, source="p.toml")
        with pytest.raises(sm.ConfigError, match=r"data\.id: expected a column name or false"):
            sm.Playbook.from_dict({"data": {"id": True}}, source="p.toml")


class TestMoreShapes:
    def test_typed_booleans_and_times(self, tmp_path: Path) -> None:
        """boolean reads yes/no, 1/0, true/false; datetime writes ISO 8601 text; bad ones are
        rejects."""
        text = "id,won,seen\n1,yes,2026-03-02 10:00\n2,0,\n3,maybe,\n4,,soon\n"
        spec = sm.DataSpec(types={"won": "boolean", "seen": "datetime"}, timezone="UTC")
        result = read_leads(write(tmp_path, "l.csv", text), spec=spec, at=AT)
        one, two = result.leads
        assert one.facts()["won"] is True
        assert one.facts()["seen"] == "2026-03-02T10:00:00+00:00"
        assert two.facts()["won"] is False
        assert ["not true or false" in r.reason for r in result.rejects] == [True, False]
        assert "'soon' is not a timestamp" in result.rejects[1].reason

    def test_json_numbers_typed_as_text_become_text(self, tmp_path: Path) -> None:
        """types = text turns a JSON number into its text; NaN is no value."""
        text = '{"id": "a", "zip": 1234, "score": NaN, "ok": true}\n'
        spec = sm.DataSpec(types={"zip": "text", "ok": "text"})
        (lead,) = read_leads(write(tmp_path, "l.jsonl", text), spec=spec, at=AT).leads
        assert lead.facts()["zip"] == "1234"
        assert lead.facts()["ok"] is True
        assert "score" not in lead.fields

    @pytest.mark.parametrize(
        ("line", "spec", "problem"),
        [
            ('{"id": "x", "": 1}', sm.DataSpec(), "a key with no name"),
            (
                '{"id": "x", "a": 1, "b": 2}',
                sm.DataSpec(rename={"a": "c", "b": "c"}),
                "two keys are renamed to the same fact",
            ),
            ('{"id": "x"}', sm.DataSpec(id=None), "an 'id' key, but [data] id = false"),
        ],
    )
    def test_json_keys_that_would_lose_a_value_are_rejects(
        self, tmp_path: Path, line: str, spec: sm.DataSpec, problem: str
    ) -> None:
        """No value is dropped by a rename or a blank key: the line is a reject."""
        path = write(tmp_path, "l.jsonl", '{"name": "first"}\n' + line + "\n")
        if spec.id is not None:
            path = write(tmp_path, "l.jsonl", '{"id": "first"}\n' + line + "\n")
        result = read_leads(path, spec=spec, at=AT)
        assert problem in result.rejects[0].reason
        assert result.rows == len(result.leads) + len(result.rejects)

    def test_an_id_column_with_numbered_rows_is_an_error(self, tmp_path: Path) -> None:
        """id = false but the file has an id column: say so rather than drop it."""
        with pytest.raises(FileFormatError, match="has an 'id' column, but"):
            read_leads(write(tmp_path, "l.csv", "id,a\n1,2\n"), spec=sm.DataSpec(id=None), at=AT)

    def test_a_one_column_file_rejects_its_blank_rows(self, tmp_path: Path) -> None:
        """With one column a blank row has one empty cell: still a reject."""
        result = read_leads(write(tmp_path, "l.csv", "id\n1\n \n2\n"), at=AT)
        assert [lead.id for lead in result.leads] == ["1", "2"]
        assert [r.reason for r in result.rejects] == ["an empty row"]

    def test_history_and_costs_files_may_have_an_id_column(self, tmp_path: Path) -> None:
        """Only a leads file's id is special; elsewhere an id column is just a column."""
        text = "id,lead_id,from_stage,to_stage,trigger,at\n9,1,suspect,prospect,engage,2026-01-02\n"
        result = read_history(write(tmp_path, "h.csv", text))
        assert [c.to_stage for c in result.records["1"]] == ["prospect"]


def test_a_quote_followed_by_text_is_a_file_error_with_the_csv_modules_reason() -> None:
    """Not an unclosed quote: the csv module's own words, the file and the line."""
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(sm.FileFormatError) as info:
        sm.read_leads("x.csv", at=at, stream=io.StringIO('id,x\n1,"b"c\n'))
    assert str(info.value) == (
        "x.csv:2: not readable as CSV (',' expected after '\"'): '1,\"b\"c\\n'."
    )
