"""How fast ``parse_title`` reads job titles, next to a naive regex baseline.

Run it with ``python benchmarks/bench_titles.py``. Both readers go over the hand-labelled
corpus in ``tests/title_corpus.py``; each is timed best-of-several with the garbage collector
frozen after the fixtures are built, and each one's accuracy on the corpus is printed too,
so that speed is never bought with wrong answers.

The baseline is what one writes first: per field, a list of keyword regexes tried in order
with ``re.search`` on the lower-cased title, the first hit winning.
"""

from __future__ import annotations

import gc
import re
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_ROOT / "src"), str(_ROOT / "tests")]

from smarketing._titles import parse_title  # noqa: E402
from title_corpus import CORPUS  # noqa: E402

REPEATS = 7
LOOPS = 5

_SENIORITY_PATTERNS: Sequence[tuple[str, str]] = (
    ("owner", r"\b(co-?founder|founder|owner|partner|inhaber|gr[uü]nder|fundador|fondateur)"),
    ("c-level", r"\b(ceo|cto|cmo|cfo|coo|cro|cio|ciso|cpo|cdo|chief|president|gesch[aä]ftsf)"),
    ("vp", r"\b(vp|svp|evp|avp|vice president|vice-president|vicepresidente)\b"),
    ("director", r"\b(director|directeur|directrice|directora|head of|head|dir|leiter)\b"),
    ("manager", r"\b(manager|mgr|lead|leader|supervisor|gerente|jefe|jefa|responsable)\b"),
    ("entry", r"\b(intern|junior|jr|trainee|assistant|student|praktikant|stagiaire|becari)"),
    (
        "individual",
        r"\b(engineer|developer|analyst|specialist|consultant|representative|rep|executive|"
        r"associate|coordinator|accountant|designer|scientist|recruiter|counsel|attorney)",
    ),
)
_DEPARTMENT_PATTERNS: Sequence[tuple[str, str]] = (
    ("executive", r"\b(ceo|founder|owner|president|managing director|general manager)"),
    ("marketing", r"\b(marketing|mktg|demand gen|brand|content|growth|communications|seo|cmo)"),
    ("sales", r"\b(sales|account|business development|bdr|sdr|revenue|vertrieb|ventas|cro)\b"),
    ("engineering", r"\b(engineer|engineering|software|developer|devops|it|cto|cio|eng)\b"),
    ("product", r"\b(product|ux|cpo)\b"),
    ("finance", r"\b(finance|financial|accounting|accountant|controller|cfo|fp&a)"),
    ("operations", r"\b(operations|ops|supply chain|logistics|procurement|coo)\b"),
    ("hr", r"\b(hr|human resources|people|talent|recruit|personal)"),
    ("support", r"\b(support|customer success|customer service|csm)\b"),
    ("legal", r"\b(legal|counsel|attorney|lawyer|paralegal|compliance)\b"),
    ("data", r"\b(data|analytics|bi|machine learning)\b"),
)


def _compile(patterns: Sequence[tuple[str, str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), label) for label, pattern in patterns)


_SENIORITY = _compile(_SENIORITY_PATTERNS)
_DEPARTMENT = _compile(_DEPARTMENT_PATTERNS)


def _first_hit(text: str, patterns: tuple[tuple[re.Pattern[str], str], ...]) -> str | None:
    for pattern, label in patterns:
        if pattern.search(text):
            return label
    return None


def naive_parse(title: str) -> tuple[str | None, str | None]:
    """The baseline: first matching keyword regex per field, in precedence order."""
    text = title.lower()
    return _first_hit(text, _SENIORITY), _first_hit(text, _DEPARTMENT)


def smarketing_parse(title: str) -> tuple[str | None, str | None]:
    """``parse_title``, answering the same pair as the baseline."""
    parsed = parse_title(title)
    return parsed.seniority, parsed.department


def _accuracy(read: Callable[[str], tuple[str | None, str | None]]) -> tuple[float, float]:
    answers = [(read(title), (seniority, department)) for title, seniority, department in CORPUS]
    seniority = sum(got[0] == want[0] for got, want in answers) / len(answers)
    department = sum(got[1] == want[1] for got, want in answers) / len(answers)
    return seniority, department


def _microseconds_per_title(read: Callable[[str], object], titles: list[str]) -> float:
    def run() -> None:
        for title in titles:
            read(title)

    best = min(timeit.repeat(run, repeat=REPEATS, number=LOOPS))
    return best / (LOOPS * len(titles)) * 1e6


def main() -> None:
    """Time both readers over the corpus and print speed, ratio and accuracy."""
    titles = [title for title, _, _ in CORPUS]
    readers = {"parse_title": smarketing_parse, "naive regex": naive_parse}
    for read in readers.values():  # warm up: first calls, caches, lazy imports
        for title in titles:
            read(title)
    gc.collect()
    gc.freeze()
    timings = {name: _microseconds_per_title(read, titles) for name, read in readers.items()}
    print(f"{len(titles)} titles, best of {REPEATS} x {LOOPS} passes")
    for name, read in readers.items():
        seniority, department = _accuracy(read)
        print(
            f"  {name:<12} {timings[name]:6.2f} µs/title   "
            f"accuracy: seniority {seniority:6.1%}, department {department:6.1%}"
        )
    ratio = timings["naive regex"] / timings["parse_title"]
    print(f"  parse_title is {ratio:.1f}x the speed of the naive baseline")


if __name__ == "__main__":
    main()
