"""FAQ benchmark: cross-validated figures, a question set, load time, latency and memory.

Run: .venv/bin/python -m bench.faq_bench [--cv K] [question-set.jsonl ...]
Loading is measured in fresh processes: without a saved model (training) and with one.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe
from bot.domain.assistant import FaqEngine
from bot.domain.evaluation import cross_validate, evaluate, read_questions, report_of
from bot.i18n import LOCALES_DIR, load_i18n

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = [ROOT / "bench" / "faq-holdout.jsonl"]
LOADS = 3
# One fresh process: resident memory before and after loading the engine and matching.
LOAD_ONE = """
import json, sys, time
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss()
started = time.perf_counter()
from bot.domain.assistant import FaqEngine
from bot.i18n import LOCALES_DIR, load_i18n
imported = time.perf_counter()
cache = None if sys.argv[1] == "-" else Path(sys.argv[1])
engine = FaqEngine.load(LOCALES_DIR, load_i18n().codes, cache=cache)
loaded = time.perf_counter()
for example in engine.content.examples:
    engine.match(example.question)
print(json.dumps({"import_s": imported - started, "load_s": loaded - imported,
                  "rss_growth_mb": rss() - before, "sklearn": "sklearn" in sys.modules}))
"""


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fresh_loads(cache: str) -> list[dict[str, float]]:
    """Load the engine in a new process LOADS times with this model folder ("-": none)."""
    runs = []
    for _ in range(LOADS):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_ONE, cache],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        runs.append(json.loads(out))
    return runs


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over runs."""
    return {
        key: round(statistics.median(float(r[key]) for r in runs), 3)
        for key in runs[0]
        if key != "sklearn"
    }


def main() -> None:
    """Print the figures as JSON."""
    options = argparse.ArgumentParser()
    options.add_argument("--cv", type=int, default=5)
    options.add_argument("sets", nargs="*", type=Path)
    args = options.parse_args()
    codes = load_i18n().codes
    engine = FaqEngine.load(LOCALES_DIR, codes)
    results: dict[str, object] = {"machine": describe()}
    examples = engine.content.examples
    started = time.perf_counter()
    signals = cross_validate(examples, engine.matcher.normaliser, args.cv)
    report = report_of(examples, signals, engine.matcher.thresholds)
    results[f"cv{args.cv}"] = report.summary() | {"seconds": round(time.perf_counter() - started)}
    questions = [e.question for e in examples]
    for path in args.sets or [p for p in DEFAULT_SETS if p.exists()]:
        rows = read_questions(path, engine.content.labels())
        questions += [row["q"] for row in rows]
        results[path.name] = evaluate(engine.matcher, rows).summary()
    # Cold: a fresh engine on a fresh model (caches of words and stems empty).
    with tempfile.TemporaryDirectory() as folder:
        engine = FaqEngine.load(LOCALES_DIR, codes, cache=Path(folder))
        cold = []
        for question in questions:
            started = time.perf_counter()
            engine.match(question)
            cold.append((time.perf_counter() - started) * 1000)
        warm = []
        for _ in range(3):
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
        results["fresh_process_training"] = medians(fresh_loads("-"))
        results["fresh_process_saved_model"] = medians(fresh_loads(folder))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
