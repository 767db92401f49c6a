"""Performance baseline tests: N requests at concurrency C against an HTTP target.

p50/p95/p99 and the error rate are judged against an absolute budget and a stored baseline file.

A baseline is one small JSON file per environment and test; `--update-baseline` rewrites it from
the run. Without a baseline file the test passes and says how to record one.
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unideploy.config.tests_cases import PerfTest
from unideploy.tests_runtime.base import TestEnv, Verdict
from unideploy.tests_runtime.http import describe, send

PERCENTILES = (50, 95, 99)
REQUEST_TIMEOUT_S = 10.0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def baseline_path(case: PerfTest, env: TestEnv) -> Path:
    """Where this test's baseline for this environment lives."""
    if case.baseline is not None and case.baseline.file:
        return env.path(case.baseline.file)
    return env.baseline_dir / env.environment / f"{case.name}.json"


def measure(case: PerfTest, env: TestEnv) -> dict[str, Any]:
    """Send the requests and return the statistics (latencies in ms)."""
    deadline = time.monotonic() + case.timeout

    def one(_: int) -> tuple[float | None, str | None]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or env.cancel.is_set():
            return None, "not sent: the test's time ran out"
        try:
            response = send(case, env, min(REQUEST_TIMEOUT_S, remaining))
        except OSError as exc:
            return None, str(exc)
        if response.status not in case.expect_status:
            return response.elapsed_ms, f"status {response.status}"
        return response.elapsed_ms, None

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=case.concurrency) as pool:
        results = list(pool.map(one, range(case.requests)))
    wall = time.perf_counter() - started
    latencies = sorted(ms for ms, error in results if ms is not None and error is None)
    errors = [error for _, error in results if error is not None]
    stats: dict[str, Any] = {f"p{p}_ms": round(percentile(latencies, p), 2) for p in PERCENTILES}
    stats.update(
        requests=case.requests,
        concurrency=case.concurrency,
        errors=len(errors),
        error_rate=round(len(errors) / case.requests, 4),
        throughput_rps=round(case.requests / wall, 1) if wall > 0 else 0.0,
        max_ms=round(latencies[-1], 2) if latencies else 0.0,
    )
    if errors:
        stats["first_error"] = errors[0]
    return stats


def perf_test(case: PerfTest, env: TestEnv) -> Verdict:
    """Run one attempt of a perf test."""
    stats = measure(case, env)
    details: dict[str, Any] = {"target": describe(case), **stats}
    problems: list[str] = []
    if stats["error_rate"] > case.max_error_rate:
        problems.append(
            f"error rate {stats['error_rate']:.1%} over {case.max_error_rate:.1%} "
            f"(first: {stats.get('first_error')})"
        )
    for p in PERCENTILES:
        limit = getattr(case.budget, f"p{p}_ms")
        if limit is not None and stats[f"p{p}_ms"] > limit:
            problems.append(f"p{p} {stats[f'p{p}_ms']:.1f} ms over the {limit:g} ms budget")
    headline = (
        f"p50 {stats['p50_ms']:.1f} / p95 {stats['p95_ms']:.1f} / p99 {stats['p99_ms']:.1f} ms, "
        f"{stats['error_rate']:.1%} errors over {case.requests} requests"
    )
    note = ""
    if case.baseline is not None:
        path = baseline_path(case, env)
        details["baseline_file"] = str(path)
        if env.update_baseline and not problems:
            _write_baseline(path, stats)
            note = f"; baseline recorded in {path.name}"
        elif path.is_file():
            baseline = json.loads(path.read_text(encoding="utf-8"))
            details["baseline"] = {f"p{p}_ms": baseline.get(f"p{p}_ms") for p in PERCENTILES}
            problems += _against_baseline(case, stats, baseline)
            note = "; within the baseline" if not problems else ""
        else:
            note = "; no baseline yet (record one with `unideploy test --update-baseline`)"
    if problems:
        return Verdict(False, f"{'; '.join(problems)} ({headline})", details)
    return Verdict(True, headline + note, details)


def _against_baseline(case: PerfTest, stats: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    assert case.baseline is not None
    problems = []
    for p in PERCENTILES:
        recorded = baseline.get(f"p{p}_ms")
        if not isinstance(recorded, int | float):
            continue
        limit = recorded * (1 + case.baseline.tolerance) + case.baseline.slack_ms
        if stats[f"p{p}_ms"] > limit:
            problems.append(
                f"p{p} {stats[f'p{p}_ms']:.1f} ms over the baseline's {recorded:.1f} ms "
                f"(+{case.baseline.tolerance:.0%} + {case.baseline.slack_ms:g} ms = {limit:.1f} ms)"
            )
    return problems


def _write_baseline(path: Path, stats: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {
        k: stats[k] for k in ("p50_ms", "p95_ms", "p99_ms", "error_rate", "requests", "concurrency")
    }
    kept["recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
