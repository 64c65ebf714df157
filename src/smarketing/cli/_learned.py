"""The train and evaluate commands: learned scores (the predict extra)."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import attrs

from smarketing.cli._options import _common, _count, _Parser
from smarketing.cli._run import UsageError, _leads_with_history, _note, _Run, _write_text
from smarketing.errors import ValidationError
from smarketing.io import atomic_output
from smarketing.leads import Lead
from smarketing.predictive import facts_at
from smarketing.serialisation import to_dict


def _learned_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    train = commands.add_parser(
        "train",
        help="learn a score from lead histories (needs the predict extra)",
        description="Learn a score from leads and their recorded stage changes, each lead as "
        "it was known at the decision time, and write the model as JSON for a playbook's "
        "[predictive] section.",
    )
    train.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    train.add_argument("--history", required=True, metavar="FILE", help="the stage changes")
    train.add_argument("--activities", metavar="FILE", help="the leads' activities")
    train.add_argument("--outcome", default="customer", metavar="STAGE", help="default customer")
    train.add_argument(
        "--at",
        default="mql",
        metavar="WHEN",
        help="decision time: mql (default), created, a stage, or an ISO time",
    )
    train.add_argument("--kind", default="additive", choices=("additive", "naive_bayes"))
    _common(train, output="the model file to write (.json)")
    train.set_defaults(command=_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="how well the hand-set and a learned score rank a labelled file",
        description="ROC AUC, lift and gains of the playbook's hand-set score on a leads file "
        "with a known outcome column, beside a learned score's (cross-validated).",
    )
    evaluate.add_argument("leads", metavar="LEADS", help="the leads file (.csv or .jsonl)")
    evaluate.add_argument(
        "--outcome-column", required=True, metavar="COLUMN", help="1/0, yes/no or true/false"
    )
    evaluate.add_argument("--activities", metavar="FILE", help="the leads' activities")
    evaluate.add_argument("--at", metavar="ISO-TIME", help="score as of this time (default: now)")
    evaluate.add_argument("--folds", type=_count, default=5, metavar="K", help="default 5")
    evaluate.add_argument("--kind", default="additive", choices=("additive", "naive_bayes"))
    _common(evaluate, output="write the Markdown report to OUT instead of stdout")
    evaluate.set_defaults(command=_evaluate)


def _learning() -> Any:
    try:
        import smarketing.predict as predict
    except ImportError as exc:  # pragma: no cover - numpy is in the dev install
        msg = f'learned scores need numpy: pip install "smarketing[predict]" ({exc})'
        raise UsageError(msg) from None
    return predict


def _train(args: argparse.Namespace) -> int:
    predict = _learning()
    if args.output is None or Path(args.output).suffix.lower() != ".json":
        raise UsageError("-o: train writes the model as a .json file (-o model.json)")
    run = _Run.start(args, checked_output=False)
    at: str | datetime = args.at
    if args.at not in ("mql", "created") and re.match(r"^\d{4}-", args.at):
        at = run.time(args.at, "--at")
    leads = _leads_with_history(run, None)
    activities = [a for group in run.activities().values() for a in group]
    run.finish()
    ds = predict.training_set(leads, activities, outcome=args.outcome, at=at)
    scorer = predict.LeadScorer(kind=args.kind, random_state=0).fit(list(ds.X), list(ds.y))
    text = json.dumps(to_dict(scorer.model_), indent=2) + "\n"
    with atomic_output(args.output) as out:  # a reader never sees half a model
        out.write(text)
    converted = sum(ds.y)
    print(
        f"{args.output}: {args.kind} model of {len(scorer.model_.shapes)} fields, trained on "
        f"{len(ds.y):,} leads ({converted:,} reached {args.outcome}; {ds.skipped:,} left "
        f"out: not at {args.at} or already past the outcome)"
    )
    why = {
        name: f"learned after the outcome for {share:.0%} of the converted leads"
        for name, share in ds.leaks.items()
    }
    for name, auc in predict.leak_suspects(list(ds.X), list(ds.y)).items():
        why.setdefault(name, f"alone ranks the outcome with a ROC AUC of {auc:.3f}")
    for name, reason in why.items():
        _note(f"{name!r} is a likely leak: {reason}")
    return 0


_YES: Final = {"1", "yes", "true", "y", "won", "converted"}
_NO: Final = {"0", "no", "false", "n", "lost"}


def _outcome(lead: Lead, column: str) -> int:
    value = lead.value(column)
    text = str(value).strip().lower() if value is not None else ""
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return int(value)
    if text in _YES:
        return 1
    if text in _NO:
        return 0
    msg = (
        f"lead {lead.id!r}: the outcome column {column!r} is {value!r}; expected 1/0, "
        "yes/no or true/false"
    )
    raise ValidationError(msg, value=value, where=f"{lead.id}.{column}", expected="1 or 0")


def _evaluate(args: argparse.Namespace) -> int:
    predict = _learning()
    run = _Run.start(args, checked_output=False)
    pb = run.playbook
    at = run.time(args.at, "--at") if args.at else datetime.now(timezone.utc)
    groups = run.activities()
    leads = run.leads(at)
    run.strangers(groups, {lead.id for lead in leads}, "activities")
    activities = [a for group in groups.values() for a in group]
    run.finish()
    column = args.outcome_column
    if leads and all(column not in lead.fields for lead in leads):
        raise UsageError(f"{args.leads}: no column {column!r} (the outcome to evaluate against)")
    y = [_outcome(lead, column) for lead in leads]
    leads = [
        attrs.evolve(x, fields={k: v for k, v in x.fields.items() if k != column}) for x in leads
    ]
    assessments = list(pb.assess_many(leads, activities, at=at))
    hand = predict.Evaluation.from_scores(
        y, [a.score.total for a in assessments], grades=[a.score.grade for a in assessments]
    )
    rows = [facts_at(lead, groups.get(lead.id, ()), at) for lead in leads]
    learned = predict.evaluate(
        predict.LeadScorer(kind=args.kind, random_state=0), rows, y, folds=args.folds
    )
    parts = [
        f"# Scores against {column!r} in {args.leads}",
        "",
        f"## The hand-set score ({args.playbook or 'the default playbook'})",
        "",
        hand.to_markdown(),
        f"## A learned score ({args.kind}, {args.folds}-fold cross-validated)",
        "",
        learned.to_markdown(),
    ]
    leaks = predict.leak_suspects(rows, y)
    if leaks:
        parts += [
            "## Likely leaks",
            "",
            "These fields alone rank the outcome almost perfectly: they are usually recorded "
            "because of it. Leave them out, or train on `smarketing train` point-in-time rows.",
            "",
            *(f"- `{name}`: ROC AUC {auc:.3f} alone" for name, auc in leaks.items()),
            "",
        ]
    if pb.predictive is not None:
        own = [a.prediction.probability for a in assessments if a.prediction is not None]
        given = predict.Evaluation.from_scores(
            y,
            own,
            grades=[a.prediction.grade for a in assessments if a.prediction is not None],
            probabilities=True,
        )
        parts += [
            "## The playbook's learned model (as trained, not re-fitted)",
            "",
            given.to_markdown(),
        ]
    _write_text(args.output or None, "\n".join(parts))
    return 0
