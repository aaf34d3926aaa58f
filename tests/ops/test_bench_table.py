"""`bench/run_all.py` runs the benchmarks and rewrites only the table of docs/performance.md:
goals met or missed, failures and missing scripts said plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN_ALL = Path(__file__).resolve().parents[2] / "bench" / "run_all.py"

DOC = """# Performance

Intro that must survive.

<!-- bench:start -->
| benchmark | figure | goal | command | date |
| --- | --- | --- | --- | --- |
| old | stale | - | - | 2020-01-01 |
<!-- bench:end -->

## Notes

Notes that must survive.
"""


def _script(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(f"import json, sys\n\nif __name__ == '__main__':\n{body}\n")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN_ALL), *args], capture_output=True, text=True, timeout=120
    )


def test_the_table_says_met_missed_failed_and_not_yet(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    _script(bench, "encoding", "    print('warming up'); print(json.dumps({'msgs_per_s': 250000}))")
    _script(bench, "dispatch", "    print(json.dumps({'end_to_end_per_s': 5000, 'ratio': 0.91}))")
    _script(bench, "ingest", "    print('boom', file=sys.stderr); sys.exit(3)")
    _script(bench, "extra", "    print(json.dumps({'things_per_s': 12.5, 'label': 'x'}))")
    (bench / "common.py").write_text("HELPER = 1\n")  # a helper, not a benchmark
    doc = tmp_path / "performance.md"
    doc.write_text(DOC)

    done = _run("--bench-dir", str(bench), "--doc", str(doc))
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    assert "Intro that must survive." in text and "Notes that must survive." in text
    table = text.split("<!-- bench:start -->")[1].split("<!-- bench:end -->")[0]
    assert "| old |" not in table
    assert "| encoding | 250,000 msgs/s (`analyze`) | >= 200,000 (met) |" in table
    assert "| dispatch | 5,000 msgs/s end to end | >= 6,500 (MISSED) |" in table
    assert "| dispatch | 0.91 of the simulator's own rate | >= 0.8 (met) |" in table
    assert "| ingest | failed (exit 3, no JSON line) |" in table
    assert "| batch | not yet |" in table and "| webhooks | not yet |" in table
    assert "| extra | things_per_s 12.5 | - |" in table
    assert "common" not in table

    # One benchmark again: its rows change, the others stay as they were.
    _script(bench, "encoding", "    print(json.dumps({'msgs_per_s': 150000}))")
    done = _run("encoding", "--bench-dir", str(bench), "--doc", str(doc))
    assert done.returncode == 0, done.stderr
    again = doc.read_text()
    assert "| encoding | 150,000 msgs/s (`analyze`) | >= 200,000 (MISSED) |" in again
    assert "| dispatch | 5,000 msgs/s end to end | >= 6,500 (MISSED) |" in again
    assert again.count("| encoding |") == 1


def test_a_missing_document_is_created_with_its_markers(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    _script(bench, "redirect", "    print(json.dumps({'redirects_per_s': 2500}))")
    doc = tmp_path / "docs" / "performance.md"
    done = _run("redirect", "--bench-dir", str(bench), "--doc", str(doc))
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    assert text.startswith("# Performance")
    assert "<!-- bench:start -->" in text and "<!-- bench:end -->" in text
    assert "| redirect | 2,500 redirects/s | >= 2,000 (met) |" in text


def test_an_unknown_name_is_an_error(tmp_path: Path) -> None:
    done = _run("nonsense", "--bench-dir", str(tmp_path), "--doc", str(tmp_path / "p.md"))
    assert done.returncode == 2
    assert "no such benchmark: nonsense" in done.stderr
