"""The diagram, check and init commands: the playbook file itself."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from smarketing.cli._run import SHOWN_REJECTS, UsageError, _note, _playbook
from smarketing.config import commented_default, to_toml
from smarketing.io import atomic_output
from smarketing.io._check import check_data
from smarketing.playbook import Playbook


def _diagram(args: argparse.Namespace) -> int:
    sys.stdout.write(_playbook(args.playbook).lifecycle.to_mermaid())
    return 0


def _check(args: argparse.Namespace) -> int:
    pb = Playbook.from_toml(args.playbook)
    if args.effective:
        sys.stdout.write(to_toml(pb.to_dict()))
        return 0
    parts = [
        (len(pb.lifecycle.stage_names), "stage"),
        (len(pb.scoring.fit), "fit rule"),
        (len(pb.scoring.engagement), "engagement rule"),
        (len(pb.personas.personas), "persona"),
        (len(pb.forms), "form field"),
    ]
    summary = ", ".join(f"{n} {word}{'s' * (n != 1)}" for n, word in parts)
    if args.data is None:
        if args.activities is not None:
            raise UsageError("--activities goes with --data LEADS")
        print(f"{args.playbook}: OK ({summary})")
        return 0
    found = check_data(pb, args.data, at=datetime.now(timezone.utc), activities=args.activities)
    print(f"{args.playbook}: {summary}")
    print(
        f"{args.data}: {found.rows:,} rows read: {found.leads:,} leads, "
        f"{len(found.rejects):,} rejected"
    )
    for reject in found.rejects[:SHOWN_REJECTS]:
        print(f"  bad row {reject}")
    for problem in found.problems:
        print(f"  problem: {problem}")
    for note in found.notes:
        print(f"  note: {note}")
    if found.ok:
        print("OK: no problem found")
        return 0
    problems, bad = len(found.problems), len(found.rejects)
    print(f"{problems:,} problem{'s' * (problems != 1)}, {bad:,} bad row{'s' * (bad != 1)}")
    return 1


def _init(args: argparse.Namespace) -> int:
    target = Path(args.file)
    if target.exists() and not args.force:
        msg = f"{target} exists; pass --force to replace it"
        raise UsageError(msg)
    with atomic_output(target) as out:
        out.write(commented_default())
    _note(f"wrote {target}: the default playbook, commented; try 'smarketing check {target}'")
    return 0
