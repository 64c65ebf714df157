"""Reading lead, activity and history files: formats, coercion, and rejects with line numbers."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

import smarketing as sm
from smarketing._files import (
    FileFormatError,
    parse_time,
    read_activities,
    read_changes,
    read_leads,
    read_rows,
    resolve_tz,
    write_rows,
)

AT = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
UTC = timezone.utc


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestRows:
    def test_csv_numbers_become_numbers_and_empty_cells_unknown(self, tmp_path: Path) -> None:
        """A cell that parses as a number is a number; an empty cell is None."""
        path = write(tmp_path, "l.csv", "id,size,score,name\nL-1,250,4.5,Ana\nL-2,,nan,007\n")
        rows = read_rows(path)
        assert rows.rows[0] == (2, {"id": "L-1", "size": 250, "score": 4.5, "name": "Ana"})
        assert rows.rows[1] == (3, {"id": "L-2", "size": None, "score": "nan", "name": 7})

    def test_csv_rows_with_the_wrong_cell_count_are_rejected(self, tmp_path: Path) -> None:
        """Short or long rows are rejects with their line numbers, never dropped silently."""
        path = write(tmp_path, "l.csv", "id,size\nL-1,1\nL-2\n\nL-3,3,extra\n")
        rows = read_rows(path)
        assert [line for line, _ in rows.rows] == [2]
        assert [(r.line, r.reason) for r in rows.rejects] == [
            (3, "expected 2 cells, found 1"),
            (5, "expected 2 cells, found 3"),
        ]
        assert str(rows.rejects[0]) == f"{path}:3: expected 2 cells, found 1"

    def test_jsonl_keeps_json_types_and_rejects_bad_lines(self, tmp_path: Path) -> None:
        """JSON values stay as they are; broken lines are rejects."""
        text = '{"id": "L-1", "size": 250, "ok": true, "x": null}\n\n[1]\n{bad\n'
        rows = read_rows(write(tmp_path, "l.jsonl", text))
        assert rows.rows == ((1, {"id": "L-1", "size": 250, "ok": True, "x": None}),)
        assert [(r.line, r.reason.split(" (")[0]) for r in rows.rejects] == [
            (3, "not a JSON object"),
            (4, "not JSON"),
        ]

    @pytest.mark.parametrize(
        ("name", "text", "problem"),
        [
            ("l.txt", "id\n", "extension '.txt'"),
            ("l", "id\n", r"extension '\(none\)'"),
            ("l.csv", "id,,x\n", "column 2 has no name"),
            ("l.csv", "id,id\n", "appears twice"),
        ],
    )
    def test_unreadable_files_are_format_errors(
        self, tmp_path: Path, name: str, text: str, problem: str
    ) -> None:
        """Problems with the whole file are a FileFormatError naming the file."""
        with pytest.raises(FileFormatError, match=problem):
            read_rows(write(tmp_path, name, text))

    def test_missing_and_binary_files_are_format_errors(self, tmp_path: Path) -> None:
        """No file, or not UTF-8, is a clear error."""
        with pytest.raises(FileFormatError, match="cannot open"):
            read_rows(tmp_path / "none.csv")
        path = tmp_path / "bin.csv"
        path.write_bytes(b"id\n\xff\xfe\x00\n")
        with pytest.raises(FileFormatError, match="not UTF-8"):
            read_rows(path)

    def test_an_empty_file_has_no_rows(self, tmp_path: Path) -> None:
        """Empty is empty, not an error."""
        assert read_rows(write(tmp_path, "l.csv", "")).rows == ()

    def test_a_bad_csv_quote_is_a_format_error(self) -> None:
        """The csv module's own errors are named."""
        stream = io.StringIO("id\n" + "x" * 200_000 + "\n")
        with pytest.raises(FileFormatError, match="not readable as CSV"):
            read_rows("x.csv", stream=stream)


class TestLeads:
    def test_reads_leads_with_fields_stage_and_source(self, tmp_path: Path) -> None:
        """Known columns fill the lead; every other column is a profile field."""
        text = (
            "id,created_at,stage,source,company_size,industry\n"
            "L-1,2026-01-05T09:00:00+01:00,mql,webinar,250,software\n"
            "L-2,,,,,\n"
        )
        leads, rejects = read_leads(write(tmp_path, "l.csv", text), default_at=AT, default_tz=UTC)
        assert rejects == []
        first, second = leads
        assert (first.id, first.stage, first.source) == ("L-1", "mql", "webinar")
        assert first.created_at == datetime(2026, 1, 5, 8, tzinfo=UTC)
        assert first.facts()["company_size"] == 250
        assert (second.stage, second.created_at, dict(second.fields)) == ("suspect", AT, {})

    def test_bad_lead_rows_are_rejects_with_reasons(self, tmp_path: Path) -> None:
        """Duplicate ids, bad times and empty ids are rejected, each with its line."""
        text = "id,created_at\nL-1,2026-01-05\nL-1,2026-01-06\n,2026-01-05\nL-3,someday\n"
        leads, rejects = read_leads(write(tmp_path, "l.csv", text), default_at=AT, default_tz=UTC)
        assert [lead.id for lead in leads] == ["L-1"]
        assert [r.line for r in rejects] == [3, 4, 5]
        assert "appears twice" in rejects[0].reason
        assert "'id' is empty" in rejects[1].reason
        assert "not a timestamp" in rejects[2].reason

    def test_a_file_without_an_id_column_is_a_format_error(self, tmp_path: Path) -> None:
        """Columns the file must have are checked up front."""
        with pytest.raises(FileFormatError, match="no 'id' column"):
            read_leads(write(tmp_path, "l.csv", "name\nAna\n"), default_at=AT, default_tz=UTC)

    def test_numeric_ids_read_as_text(self, tmp_path: Path) -> None:
        """An id column of numbers still gives text ids."""
        leads, _ = read_leads(
            write(tmp_path, "l.jsonl", '{"id": 7.0}\n'), default_at=AT, default_tz=UTC
        )
        assert leads[0].id == "7"


class TestActivitiesAndChanges:
    def test_reads_activities_with_properties(self, tmp_path: Path) -> None:
        """Extra columns are properties; zone-less times get the default zone."""
        text = "lead_id,kind,at,url\nL-1,page_view,2026-01-05 10:00,/pricing\nL-1,call,,\n"
        berlin = resolve_tz("Europe/Berlin")
        acts, rejects = read_activities(write(tmp_path, "a.csv", text), default_tz=berlin)
        assert acts == [
            sm.Activity(
                "L-1", "page_view", datetime(2026, 1, 5, 9, tzinfo=UTC), {"url": "/pricing"}
            )
        ]
        assert [r.line for r in rejects] == [3]

    def test_reads_a_history_file(self, tmp_path: Path) -> None:
        """Each row is a stage change of one lead."""
        text = (
            "lead_id,from_stage,to_stage,trigger,at,actor,reason\n"
            "L-1,mql,recycled,recycle,2026-01-05T10:00Z,sales:jo,no budget\n"
        )
        changes, rejects = read_changes(write(tmp_path, "h.csv", text), default_tz=UTC)
        assert rejects == []
        assert changes == [
            (
                "L-1",
                sm.StageChange(
                    "mql",
                    "recycled",
                    "recycle",
                    datetime(2026, 1, 5, 10, tzinfo=UTC),
                    "sales:jo",
                    "no budget",
                ),
            )
        ]

    def test_a_history_file_needs_its_columns(self, tmp_path: Path) -> None:
        """Missing required columns are named."""
        with pytest.raises(FileFormatError, match="'trigger', 'at'"):
            read_changes(
                write(tmp_path, "h.csv", "lead_id,from_stage,to_stage\nL,a,b\n"), default_tz=UTC
            )


class TestTimes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-01-05T09:00:00Z", datetime(2026, 1, 5, 9, tzinfo=UTC)),
            ("2026-01-05", datetime(2026, 1, 5, tzinfo=UTC)),
            ("Jan 5 2026 9:30", datetime(2026, 1, 5, 9, 30, tzinfo=UTC)),
            ("05/01/2026 09:00 +0200", datetime(2026, 5, 1, 7, tzinfo=UTC)),
        ],
    )
    def test_reads_iso_and_common_formats(self, text: str, expected: datetime) -> None:
        """ISO 8601 first, then dateutil's common formats."""
        assert parse_time(text, default_tz=UTC, where="at") == expected

    @pytest.mark.parametrize("value", [None, True, "never", "2026-13-45"])
    def test_bad_times_name_the_column(self, value: object) -> None:
        """A bad timestamp is a ValidationError naming the column."""
        with pytest.raises(sm.ValidationError, match="at"):
            parse_time(value, default_tz=UTC, where="at")

    def test_unknown_zone_names_are_rejected(self) -> None:
        """--tz must name a real zone."""
        with pytest.raises(sm.ValidationError, match="not a time zone"):
            resolve_tz("Mars/Olympus")


class TestWriting:
    @pytest.mark.parametrize("name", ["out.csv", "out.jsonl"])
    def test_round_trips_through_the_readers(self, tmp_path: Path, name: str) -> None:
        """What write_rows writes, read_rows reads back."""
        rows = [{"id": "L-1", "score": 61.5, "next": ("a", "b"), "at": AT, "none": None}]
        assert write_rows(tmp_path / name, rows, ["id", "score", "next", "at", "none"]) == 1
        back = read_rows(tmp_path / name).rows[0][1]
        assert back["id"] == "L-1"
        assert back["score"] == 61.5
        assert back["none"] is None
        assert back["at"] == AT.isoformat()
        assert back["next"] in ("a;b", ["a", "b"])
