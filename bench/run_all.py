"""Run the benchmarks in bench/ and rewrite the table in docs/performance.md.

    .venv/bin/python bench/run_all.py              # every benchmark (what `make bench` runs)
    .venv/bin/python bench/run_all.py encoding     # one (or a few); other rows are kept

Each script prints one JSON object as its last line and exits 0 even when it misses a goal.
The goals live here, in one table, beside the command that measures them. Scripts this
table does not know are run too (any bench/*.py with a `__main__` block) and their figures
listed without a goal; known scripts that do not exist yet are listed as "not yet". Only the
part of the document between the `<!-- bench:start -->` and `<!-- bench:end -->` markers is
rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
HEADER = "| benchmark | figure | goal | command | date |\n| --- | --- | --- | --- | --- |"
INTRO = """# Performance

Every figure here comes from a script in `bench/` that anyone can rerun; each prints its
figures as one JSON line last. `make bench` runs them all and rewrites the table between the
markers (`bench/run_all.py NAME` reruns one).
"""
NOT_SCRIPTS = {"run_all", "common"}
TIMEOUT_S = 1800


@dataclass(frozen=True)
class Goal:
    key: str  # the field of the script's JSON line
    op: str  # ">=" or "<="
    value: float
    unit: str


# What each benchmark must reach (the issues that set them).
GOALS: dict[str, list[Goal]] = {
    "ingest": [
        Goal("bulk_msgs_per_s", ">=", 15_000, "msgs/s in bulk"),
        Goal("single_req_per_s", ">=", 2_000, "single requests/s"),
        Goal("single_p99_ms", "<=", 50, "ms p99, single requests"),
    ],
    "encoding": [Goal("msgs_per_s", ">=", 200_000, "msgs/s (`analyze`)")],
    "dispatch": [
        Goal("end_to_end_per_s", ">=", 6_500, "msgs/s end to end"),
        Goal("ratio", ">=", 0.8, "of the simulator's own rate"),
    ],
    "batch": [
        Goal("seconds", "<=", 30, "s for the batch"),
        Goal("peak_rss_mb", "<=", 300, "MB peak RSS"),
    ],
    "redirect": [Goal("redirects_per_s", ">=", 2_000, "redirects/s")],
    "webhooks": [Goal("deliveries_per_s", ">=", 2_000, "deliveries/s")],
}


@dataclass
class Result:
    name: str
    figures: dict[str, object] | None  # None: not run or failed
    note: str = ""  # why there are no figures


def discover(bench_dir: Path) -> list[str]:
    """Known benchmarks first (in table order), then any other script with a main block."""
    found = {
        p.stem
        for p in bench_dir.glob("*.py")
        if p.stem not in NOT_SCRIPTS
        and not p.stem.startswith("_")
        and "__main__" in p.read_text(encoding="utf-8")
    }
    return list(GOALS) + sorted(found - set(GOALS))


def run(name: str, bench_dir: Path) -> Result:
    script = bench_dir / f"{name}.py"
    if not script.exists():
        return Result(name, None, "not yet")
    print(f"== {name}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT_S,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
    except subprocess.TimeoutExpired:
        return Result(name, None, f"failed: no answer in {TIMEOUT_S} s")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    sys.stderr.write("".join(f"   {line}\n" for line in lines[-5:]))
    try:
        figures = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        figures = None
    if proc.returncode != 0 or not isinstance(figures, dict):
        return Result(name, None, f"failed (exit {proc.returncode}, no JSON line)")
    return Result(name, figures)


def rows(result: Result, today: str) -> list[str]:
    command = f"`.venv/bin/python bench/{result.name}.py`"
    goals = GOALS.get(result.name, [])
    if result.figures is None:
        goal = "; ".join(f"{g.op} {_num(g.value)} {g.unit}" for g in goals) or "-"
        date = "-" if result.note == "not yet" else today
        return [_row(result.name, result.note, goal, command, date)]
    if not goals:  # a script this table does not know: its numeric figures, no goal
        shown = ", ".join(
            f"{k} {_num(v)}" for k, v in result.figures.items() if isinstance(v, int | float)
        )
        return [_row(result.name, shown or "-", "-", command, today)]
    out = []
    for g in goals:
        value = result.figures.get(g.key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            out.append(_row(result.name, f"no `{g.key}` in its output", _goal(g), command, today))
            continue
        met = value >= g.value if g.op == ">=" else value <= g.value
        figure = f"{_num(value)} {g.unit}"
        out.append(
            _row(result.name, figure, f"{_goal(g)} ({'met' if met else 'MISSED'})", command, today)
        )
    return out


def _goal(g: Goal) -> str:
    return f"{g.op} {_num(g.value)}"


def _num(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    return f"{int(value):,}"


def _row(*cells: str) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def kept_rows(section: str, rerun: set[str]) -> dict[str, list[str]]:
    """Rows of the current table by benchmark, for the benchmarks not being rerun."""
    kept: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("benchmark", "---") or not cells[0]:
            continue
        if cells[0] not in rerun:
            kept.setdefault(cells[0], []).append(line.strip())
    return kept


def rewrite(doc: Path, table: str) -> None:
    """Put `table` between the markers; create the document or the markers if missing."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else INTRO
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text and text.index(START) < text.index(END):
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def current_section(doc: Path) -> str:
    if not doc.exists():
        return ""
    text = doc.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return ""
    return text.split(START, 1)[1].split(END, 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--bench-dir", type=Path, default=HERE)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)

    everything = discover(args.bench_dir)
    names = args.names or everything
    unknown = [
        n for n in names if n not in everything and not (args.bench_dir / f"{n}.py").exists()
    ]
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (known: {', '.join(everything)})")
    today = time.strftime("%Y-%m-%d")
    fresh = {name: rows(run(name, args.bench_dir), today) for name in names}
    kept = kept_rows(current_section(args.doc), set(names)) if args.names else {}
    order = everything + [n for n in [*fresh, *kept] if n not in everything]
    lines = [line for n in dict.fromkeys(order) for line in fresh.get(n) or kept.get(n, [])]
    rewrite(args.doc, HEADER + "\n" + "\n".join(lines))
    for result_rows in fresh.values():
        for line in result_rows:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
