"""FAQ benchmark: accuracy on the question sets, catalog load time, per-question latency.

Run: .venv/bin/python -m bench.faq_bench [../shared/sp2020/faq-dev.jsonl ...]
"""

import json
import statistics
import sys
import time
from pathlib import Path

from bench.machine import describe
from bot.domain.assistant import FaqEngine
from bot.domain.evaluation import evaluate, read_questions
from bot.i18n import LOCALES_DIR, load_i18n

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = [
    ROOT.parent / "shared" / "sp2020" / "faq-dev.jsonl",
    ROOT / "bench" / "faq-holdout.jsonl",
]
LOADS = 5


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    """Print the figures as JSON."""
    sets = [Path(p) for p in sys.argv[1:]] or [p for p in DEFAULT_SETS if p.exists()]
    codes = load_i18n().codes
    load_times = []
    for _ in range(LOADS):
        started = time.perf_counter()
        engine = FaqEngine.load(LOCALES_DIR, codes)
        load_times.append(time.perf_counter() - started)
    results: dict[str, object] = {
        "machine": describe(),
        "catalog_load_s": {
            "median": round(statistics.median(load_times), 3),
            "max": round(max(load_times), 3),
        },
    }
    questions = []
    for path in sets:
        rows = read_questions(path)
        questions += [row["q"] for row in rows]
        results[path.name] = evaluate(FaqEngine.load(LOCALES_DIR, codes).matcher, rows).summary()
    # Cold: a fresh engine, every question seen for the first time (caches empty).
    engine = FaqEngine.load(LOCALES_DIR, codes)
    cold = []
    for question in questions:
        started = time.perf_counter()
        engine.match(question)
        cold.append((time.perf_counter() - started) * 1000)
    warm = []
    for _ in range(5):
        for question in questions:
            started = time.perf_counter()
            engine.match(question)
            warm.append((time.perf_counter() - started) * 1000)
    results["match_ms"] = {
        "questions": len(questions),
        "cold_p50": round(percentile(cold, 0.5), 3),
        "cold_p99": round(percentile(cold, 0.99), 3),
        "warm_p50": round(percentile(warm, 0.5), 3),
        "warm_p99": round(percentile(warm, 0.99), 3),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
