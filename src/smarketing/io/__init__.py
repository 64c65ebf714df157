"""Files in and out: leads, activities and stage histories read through a :class:`DataSpec`,
and outputs written atomically. An adapter at the edge; the core never imports it.

Nothing is lost: every row becomes a record or a :class:`Reject` with its line and the row
exactly as written, and a file that cannot be read at all (empty, no id column, not UTF-8, a
quote never closed) is a :class:`FileFormatError` naming the file and line.
"""

from smarketing.dataspec import DataSpec
from smarketing.io._read import (
    ReadResult,
    Scan,
    attach_history,
    read_activities,
    read_costs,
    read_history,
    read_leads,
    scan_activities,
    scan_leads,
)
from smarketing.io._rows import (
    FileFormatError,
    Reject,
    auto_value,
    format_of,
    parse_time,
    resolve_tz,
)
from smarketing.io._write import atomic_output, write_rows

__all__ = [
    "DataSpec",
    "FileFormatError",
    "ReadResult",
    "Reject",
    "Scan",
    "atomic_output",
    "attach_history",
    "auto_value",
    "format_of",
    "parse_time",
    "read_activities",
    "read_costs",
    "read_history",
    "read_leads",
    "resolve_tz",
    "scan_activities",
    "scan_leads",
    "write_rows",
]
