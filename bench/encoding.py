"""Benchmark `smscast.encoding.analyze` (encoding + segment count) on one core.

Run: .venv/bin/python bench/encoding.py [--seconds S] [--messages N]

The mix is generated from a fixed seed: ~80% short GSM-7 texts (20-150 characters), ~10% long
GSM-7 texts (200-600, some extension characters), ~10% UCS-2 texts (accents, Cyrillic, emoji).
The last line printed is one JSON object: "msgs_per_s" (analyze calls per second) first, then
"parts_per_s" (Part objects per second that parts() builds) and the shape of the mix. Exits 0
even when the goal is missed: the figure is for docs/performance.md, not a gate.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from smscast.encoding import GSM7, analyze, parts

GOAL_MSGS_PER_S = 200_000
SEED = 20240607
ROUNDS = 5

# Words of typical transactional and marketing texts; the mixes below draw from them.
GSM_SAMPLE = (
    "your order has shipped and will arrive on Monday between 9 and 12 please reply STOP to "
    "opt out code is valid for 10 minutes appointment confirmed at the clinic call us on "
    "+44 20 7946 0000 thanks for shopping with us track it at https://sms.example/t/abc123 "
    "balance due payment received reminder tomorrow today meeting delivery driver parcel "
    "pickup point store offer ends tonight 20% off everything new account verification"
)
CYRILLIC_SAMPLE = "Привет Ваш заказ готов к выдаче код подтверждения спасибо до встречи"
WORDS = GSM_SAMPLE.split()
GSM_ACCENTED = list("éèàüöñÄÖßÅ£¥§¿¡ØåΔΩ")
EXTENSION = list("€[]{}~^|\\")
ACCENTS = list("ôçíóúâêãõłśżăşğı")
CYRILLIC = CYRILLIC_SAMPLE.split()
EMOJI = ["😀", "🎉", "👍", "❤️", "🚚", "✅", "🔥", "📦"]


def _fill(rng: random.Random, length: int, pool: list[str]) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(pool)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def generate(count: int, seed: int = SEED) -> list[str]:
    """Return `count` texts in the realistic mix, the same for the same seed."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.80:
            pool = WORDS if rng.random() < 0.9 else WORDS + GSM_ACCENTED
            texts.append(_fill(rng, rng.randint(20, 150), pool))
        elif kind < 0.90:
            pool = WORDS * 8 + EXTENSION
            texts.append(_fill(rng, rng.randint(200, 600), pool))
        else:
            pool = rng.choice((WORDS * 3 + ACCENTS, CYRILLIC, WORDS * 2 + EMOJI, CYRILLIC + EMOJI))
            text = _fill(rng, rng.randint(20, 300), pool)
            if analyze(text).encoding == GSM7:  # short texts may miss the rare characters
                at = rng.randrange(len(text))
                text = text[:at] + rng.choice(ACCENTS) + text[at + 1 :]
            texts.append(text)
    return texts


def rate(work: Callable[[list[str]], int], texts: list[str], seconds: float) -> float:
    """Return the median items per second over ROUNDS timed rounds of `seconds` / ROUNDS each."""
    rates = []
    for _ in range(ROUNDS):
        items = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / ROUNDS:
            items += work(texts)
        rates.append(items / elapsed)
    return statistics.median(rates)


def analyze_all(texts: list[str]) -> int:
    for text in texts:
        analyze(text)
    return len(texts)


def split_all(texts: list[str]) -> int:
    return sum(len(parts(text)) for text in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="time spent on analyze")
    parser.add_argument("--messages", type=int, default=10_000, help="size of the mix")
    args = parser.parse_args()

    texts = generate(args.messages)
    results = [analyze(text) for text in texts]
    gsm = sum(r.encoding == GSM7 for r in results)
    segments = sum(r.segments for r in results)
    print(f"mix: {len(texts)} texts, {gsm} GSM-7, {len(texts) - gsm} UCS-2, {segments} segments")

    msgs_per_s = rate(analyze_all, texts, args.seconds)
    parts_per_s = rate(split_all, texts, args.seconds / 2)
    print(
        f"analyze: {msgs_per_s:,.0f} msgs/s (goal {GOAL_MSGS_PER_S:,}); parts: {parts_per_s:,.0f}/s"
    )
    print(
        json.dumps(
            {
                "msgs_per_s": round(msgs_per_s),
                "parts_per_s": round(parts_per_s),
                "goal_msgs_per_s": GOAL_MSGS_PER_S,
                "goal_met": msgs_per_s >= GOAL_MSGS_PER_S,
                "messages": len(texts),
                "gsm7_share": round(gsm / len(texts), 3),
                "segments": segments,
            }
        )
    )


if __name__ == "__main__":
    main()
