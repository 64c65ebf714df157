"""The ``smarketing`` command: the playbook at work on files. An adapter at the edge.

::

    smarketing demo [--leads N] [--seed S] [--days D] [--out DIR]
    smarketing score LEADS [--activities FILE] [--playbook FILE] [--at T] [--tz ZONE] [-o OUT]
    smarketing plan LEADS [...the same options]
    smarketing funnel LEADS --history FILE [--activities FILE] [--start T] [--end T] [-o OUT]
    smarketing report LEADS --history FILE --activities FILE [--playbook FILE] [-o report.html]
    smarketing backtest LEADS --history FILE --activities FILE --candidate NEW.toml
                        [--playbook OLD.toml] [--start T] [--end T] [--sweep score=30:90:5]
    smarketing attribution LEADS --history FILE --activities FILE [--costs FILE] [--model M]
        [--milestone STAGE] [--source-touch] [--start T] [--end T] [-o OUT]
    smarketing diagram [--playbook FILE]
    smarketing check PLAYBOOK.toml [--data LEADS [--activities FILE]] [--effective]
    smarketing init [FILE]

Files are CSV or JSON Lines, told apart by their extension. Bad rows are reported on stderr
with ``file:line`` and their reason and written to a rejects file; ``--strict`` makes any bad
row an error. A usage or input error exits with status 2 and one line on stderr.
"""

from smarketing.cli._demo import FIELD_ORDER as FIELD_ORDER
from smarketing.cli._demo import LEAD_COLUMNS as LEAD_COLUMNS
from smarketing.cli._main import main
from smarketing.cli._run import PROG as PROG
from smarketing.cli._run import SHOWN_REJECTS as SHOWN_REJECTS
from smarketing.cli._run import UsageError as UsageError

__all__ = ["main"]
