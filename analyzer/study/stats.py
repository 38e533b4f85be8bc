"""The figures of a study: rates with Wilson intervals per (model, condition), and every condition
against the baseline condition with Fisher's exact test, Holm-adjusted over all comparisons.

An answer is *vulnerable* when it has at least one counted finding at the `fail_on` level or
above, *no-code* when it has no code block; the rate is vulnerable / with-code (a refusal is not
a safe answer, it is no answer). scipy computes the interval and the test; Holm's step-down
adjustment (scipy has only Benjamini-Hochberg) is the few lines of `holm`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analyzer.findings import Severity
from analyzer.study.data import Record

BASELINE_NAMES = ("baseline", "neutral")
CONFIDENCE = 0.95


def wilson(k: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    from scipy.stats import binomtest

    interval = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(interval.low), float(interval.high)


def fisher(k: int, n: int, k0: int, n0: int) -> float:
    from scipy.stats import fisher_exact

    return float(fisher_exact([[k, n - k], [k0, n0 - k0]], alternative="two-sided").pvalue)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the i-th smallest p times (m - i), kept monotone, capped at 1."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def baseline_condition(records: Sequence[Record], requested: str | None) -> str:
    conditions = list(dict.fromkeys(r.condition for r in records))
    if requested is not None:
        return requested
    return next((name for name in BASELINE_NAMES if name in conditions), conditions[0])


def vulnerable_families(result: Mapping[str, Any], threshold: Severity) -> tuple[bool, set[str], set[str]]:
    """Whether the answer is vulnerable, and the families and CWEs of its counted findings."""
    failing = [f for f in result["findings"] if Severity.parse(f["severity"]) >= threshold]
    return bool(failing), {f["family"] for f in failing}, {c for f in failing for c in f["cwe"]}


def groups(records: Sequence[Record], results: Sequence[Mapping[str, Any]], fail_on: str) -> list[dict[str, Any]]:
    threshold = Severity.parse(fail_on)
    order = list(dict.fromkeys((r.model, r.condition) for r in records))
    tallies: dict[tuple[str, str], dict[str, Any]] = {
        key: {"n": 0, "with_code": 0, "no_code": 0, "vulnerable": 0, "incomplete": 0, "families": {}, "cwes": {}}
        for key in order}
    for record, result in zip(records, results):
        tally = tallies[(record.model, record.condition)]
        tally["n"] += 1
        tally["incomplete"] += bool(result["errors"])
        if result["has_code"] is None:  # not analysed: neither with code nor without
            continue
        if not result["has_code"]:
            tally["no_code"] += 1
            continue
        tally["with_code"] += 1
        vulnerable, families, cwes = vulnerable_families(result, threshold)
        tally["vulnerable"] += vulnerable
        for family in families:
            tally["families"][family] = tally["families"].get(family, 0) + 1
        for cwe in cwes:
            tally["cwes"][cwe] = tally["cwes"].get(cwe, 0) + 1
    out = []
    for (model, condition) in sorted(order, key=lambda key: (key[0], order.index(key))):
        tally = tallies[(model, condition)]
        with_code = tally["with_code"]
        low, high = wilson(tally["vulnerable"], with_code)
        out.append({
            "model": model,
            "condition": condition,
            "n": tally["n"],
            "with_code": with_code,
            "no_code": tally["no_code"],
            "vulnerable": tally["vulnerable"],
            "rate": _rate(tally["vulnerable"], with_code),
            "ci_low": low,
            "ci_high": high,
            "incomplete": tally["incomplete"],
            "by_family": _rates(tally["families"], with_code),
            "by_cwe": _rates(tally["cwes"], with_code, key=lambda c: int(c.removeprefix("CWE-"))),
        })
    return out


def comparisons(rows: Sequence[Mapping[str, Any]], baseline: str) -> list[dict[str, Any]]:
    """Every (model, condition) against the same model's baseline condition."""
    base = {row["model"]: row for row in rows if row["condition"] == baseline}
    out = []
    for row in rows:
        reference = base.get(row["model"])
        if reference is None or row is reference:
            continue
        testable = row["with_code"] > 0 and reference["with_code"] > 0
        rate, base_rate = row["rate"], reference["rate"]
        out.append({
            "model": row["model"],
            "condition": row["condition"],
            "baseline_condition": baseline,
            "rate": rate,
            "baseline_rate": base_rate,
            "difference": rate - base_rate if testable else None,
            "relative_change": (rate - base_rate) / base_rate if testable and base_rate else None,
            "p_value": fisher(row["vulnerable"], row["with_code"], reference["vulnerable"], reference["with_code"])
            if testable else None,
            "p_holm": None,
        })
    tested = [c for c in out if c["p_value"] is not None]
    for comparison, adjusted in zip(tested, holm([c["p_value"] for c in tested])):
        comparison["p_holm"] = adjusted
    return out


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _rates(counts: Mapping[str, int], with_code: int, key=None) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    return {name: {"vulnerable": counts[name], "rate": _rate(counts[name], with_code)}
            for name in sorted(counts, key=key)}
