"""Benchmark a CSV batch end to end on PostgreSQL: create (upload), VALIDATE, SCHEDULE.

Run: .venv/bin/python bench/batch.py [--rows N] [--workers W] [--skip-validate]

The database is SMSCAST_DATABASE_URL (a PostgreSQL URL), or a scratch database created (and
dropped) on postgresql://postgres@127.0.0.1:5432. The file (generated first, not timed) has
N rows of `number,message` from a fixed seed: US numbers over many area codes and some UK and
French ones, ~50 different messages (some long, some UCS-2), and a few percent bad rows
(invalid numbers, empty messages, too many columns, duplicates). Timed: storing the file,
validating every row, writing every message and its event. Peak RSS is sampled every 50 ms
over this process and its children (the checking workers).

The last line printed is one JSON object: rows, seconds, rows_per_s, peak_rss_mb. Exits 0
even when the goal (1,000,000 rows in 30 s under 300 MB) is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

GOAL_SECONDS = 30.0
GOAL_RSS_MB = 300.0
SEED = 20240611
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AREA_CODES = [
    "201", "202", "203", "205", "206", "207", "208", "209", "210", "212", "213", "214", "215",
    "216", "217", "218", "219", "224", "225", "228", "229", "231", "234", "239", "240", "248",
    "251", "252", "253", "254", "256", "260", "262", "267", "269", "270", "276", "281", "301",
    "302", "303", "304", "305", "307", "308", "309", "310", "312", "313", "314", "315", "316",
    "317", "318", "319", "320", "321", "323", "325", "330", "334", "336", "337", "339", "347",
    "351", "352", "360", "361", "385", "386", "401", "402", "404", "405", "406", "407", "408",
    "409", "410", "412", "413", "414", "415", "417", "419", "423", "424", "425", "430", "432",
    "434", "435", "440", "443", "469", "470", "475", "478", "479", "480", "484", "501", "502",
    "503", "504", "505", "507", "508", "509", "510", "512", "513", "515", "516", "517", "518",
    "520", "530", "540", "541", "551", "559", "561", "562", "563", "567", "570", "571", "573",
    "574", "575", "580", "585", "586", "601", "602", "603", "605", "606", "607", "608", "609",
    "610", "612", "614", "615", "616", "617", "618", "619", "620", "623", "626", "630", "631",
    "636", "641", "646", "650", "651", "657", "660", "661", "662", "678", "682", "701", "702",
    "703", "704", "706", "707", "708", "712", "713", "714", "715", "716", "717", "718", "719",
    "720", "724", "727", "731", "732", "734", "740", "747", "754", "757", "760", "762", "763",
    "765", "770", "772", "773", "774", "775", "779", "781", "785", "786", "801", "802", "803",
    "804", "805", "806", "808", "810", "812", "813", "814", "815", "816", "817", "818", "828",
    "830", "831", "832", "843", "845", "847", "848", "850", "856", "857", "858", "859", "860",
    "862", "863", "864", "865", "870", "878", "901", "903", "904", "906", "907", "908", "909",
    "910", "912", "913", "914", "915", "916", "917", "918", "919", "920", "925", "928", "931",
    "936", "937", "940", "941", "947", "949", "951", "952", "954", "956", "970", "971", "972",
    "973", "978", "979", "980", "985", "989",
]  # fmt: skip
SAMPLE = (
    "spring sale starts today get 20% off everything in store and online use code SPRING "
    "at checkout offer ends sunday reply STOP to opt out your order has shipped track it"
)
WORDS = SAMPLE.split(" ")


def make_csv(path: Path, rows: int) -> int:
    """Write the benchmark file; returns its size in bytes."""
    rng = random.Random(SEED)
    messages = [" ".join(rng.choices(WORDS, k=rng.randint(8, 30))) for _ in range(45)]
    messages += ["Привет! Скидка 20% только сегодня", "Hello\\nsecond line\\nthird line"]
    messages += ["x" * 400, "€ offer [today] only ~ {members}"]
    with path.open("w", encoding="utf-8") as f:
        f.write("number,message\n")
        previous = "+14155550100"
        for i in range(rows):
            roll = rng.random()
            if roll < 0.93:
                number = f"+1{rng.choice(AREA_CODES)}{rng.randint(2000000, 9999999)}"
            elif roll < 0.95:
                number = f"{rng.choice(AREA_CODES)}{rng.randint(2000000, 9999999)}"  # national
            elif roll < 0.96:
                number = f"+447{rng.randint(100000000, 999999999)}"
            elif roll < 0.97:
                number = f"+336{rng.randint(10000000, 99999999)}"
            elif roll < 0.985:
                number = f"+1{rng.randint(100, 199)}{rng.randint(0, 9999999):07d}"  # invalid
            elif roll < 0.99:
                number = previous  # duplicate
            else:
                number = f"not-a-number-{i}"
            message = rng.choice(messages)
            if rng.random() < 0.005:
                message = ""
            if rng.random() < 0.003:
                message += ",extra,columns"
            elif "," in message:
                message = '"' + message + '"'
            previous = number
            f.write(f"{number},{message}\n")
    return path.stat().st_size


class RssSampler:
    """Peak resident memory of this process plus its children, sampled."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_kb = 0
        self.peak_self_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
            self.peak_self_kb = max(self.peak_self_kb, _rss_kb(os.getpid()))
            self._stop.wait(self.interval)


def _tree_rss_kb(pid: int) -> int:
    total = _rss_kb(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(_tree_rss_kb(int(c)) for c in children)
    return total


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(url: str, path: Path, workers: int, validate: bool) -> dict[str, float]:
    from smscast.accounts.service import Principal
    from smscast.batches.schemas import BatchFields
    from smscast.batches.service import Upload
    from smscast.campaigns.schemas import CampaignIn
    from smscast.config import Settings
    from smscast.services import Services

    settings = Settings(database_url=url, secret_key="bench", data_dir=Path(tempfile.gettempdir()))
    services = Services.build(settings, pool_size=4)
    services.batches.processor.workers = workers
    try:
        ident = await services.credentials.create_account("Bench", default_region="US")
        principal = Principal(ident.account.id, ident.key.key_id, "US", {})
        campaign = await services.campaigns.create(
            principal, CampaignIn(name=f"bench-{uuid.uuid4().hex[:6]}", status="active")
        )
        fields = BatchFields(campaign_id=campaign["id"])
        marks: dict[str, float] = {}
        start = time.perf_counter()
        with path.open("rb") as f:
            batch = await services.batches.create(principal, fields, Upload(f, path.name))
        marks["create_s"] = time.perf_counter() - start
        batch_id = batch["id"]
        if validate:
            t = time.perf_counter()
            await services.batches.act(principal, batch_id, "VALIDATE")
            marks["validate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        out = await services.batches.act(principal, batch_id, "SCHEDULE", background=False)
        marks["schedule_s"] = time.perf_counter() - t
        marks["seconds"] = time.perf_counter() - start
        counts = out["counts"]
        marks["valid"] = counts["valid"]
        marks["invalid"] = counts["invalid"]
        marks["duplicates"] = counts["duplicates"]
        marks["messages"] = counts["messages"]
        marks["total"] = counts["total"]
        return marks
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="checking processes")
    parser.add_argument(
        "--skip-validate",
        action="store_true",
        help="no separate VALIDATE: SCHEDULE checks every row as it writes",
    )
    args = parser.parse_args()

    from smscast.config import Settings
    from smscast.migrate import upgrade

    url = os.environ.get("SMSCAST_DATABASE_URL", "")
    scratch = None
    if not url.startswith(("postgresql", "postgres")):
        scratch = f"smscast_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(f'CREATE DATABASE "{scratch}"'))
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + scratch
    try:
        upgrade(Settings(database_url=url, secret_key="bench"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "batch.csv"
            size = make_csv(path, args.rows)
            print(f"file: {args.rows} rows, {size / 1e6:.1f} MB", file=sys.stderr)
            with RssSampler() as rss:
                marks = asyncio.run(run(url, path, args.workers, not args.skip_validate))
    finally:
        if scratch is not None:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    seconds = marks["seconds"]
    detail = {k: round(v, 2) for k, v in marks.items()}
    detail["peak_rss_main_mb"] = round(rss.peak_self_kb / 1024, 1)
    print(json.dumps(detail))
    ok = seconds <= GOAL_SECONDS and rss.peak_kb / 1024 <= GOAL_RSS_MB
    print(f"goal {'met' if ok else 'missed'}: {GOAL_SECONDS} s, {GOAL_RSS_MB} MB", file=sys.stderr)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(args.rows / seconds),
                "peak_rss_mb": round(rss.peak_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
