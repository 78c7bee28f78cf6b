"""Propose health-score weights fitted on the backtest: it proposes, a person decides.

    python -m orchestration.health.fit_weights --warehouse warehouse/pulse.duckdb \
        --out reports/health/weights_candidate.csv

Reads (read-only) the component scores of every customer on every backtest month start, with
whether the customer churned within the horizon (the dbt table int_health_backtest_base, the
same rows rpt_health_score_backtest judges), and the current weights (the seed table
health_score_weights). Writes a candidate file in the seed's format (scorecard, component,
weight), never into seeds/ (dbt would load it): to adopt it, a person reviews it and copies
it over seeds/health_score_weights.csv, then re-runs `dbt build` (the history is restated).

The fit, per scorecard:
  * X = the seven component scores (0-100); a missing component (no data that day) is set to
    the column mean, so it pulls neither way (as the score itself ignores it); each column is
    standardised, z = (x - mean) / sd.
  * y = churned within the horizon. A logistic regression with an L2 penalty (lambda, on the
    coefficients, not the intercept) is fitted by Newton's method (numpy only).
  * Coefficients -> weights: beta_j is the change in churn log-odds per standard deviation of
    component j; healthier scores should lower churn (beta_j < 0). The health score is linear
    in the raw scores, so the raw-scale coefficient -beta_j / sd_j is what a weight
    must be proportional to: w_j = max(0, -beta_j / sd_j) / sum_k max(0, -beta_k / sd_k).
    A component whose higher score goes with MORE churn gets weight 0 (the score stays "higher
    = healthier"). Weights are rounded to 4 decimals, the largest absorbing the rounding, so
    each scorecard sums to exactly 1.
  * A scorecard whose rows have fewer than --min-churned churned (or retained) customers is not
    fitted on its own: it gets the weights fitted on all rows pooled (noted in the report).
    When every coefficient is >= 0 (no usable signal), the current weights are kept.

Judged by the AUC (Mann-Whitney, ties averaged, risk = lower score) of the current and the
proposed weights on the same rows (in sample), and, with --holdout-months N, of weights fitted
without the last N months on those N months (out of time: the honest number).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

COMPONENTS = [
    "usage",
    "engagement",
    "satisfaction",
    "support",
    "payments",
    "advocacy",
    "renewal",
]
SCORE_COLUMNS = [f"{c}_score" for c in COMPONENTS]
BASE_RELATION = "int_health_backtest_base"
WEIGHTS_RELATION = "health_score_weights"


@dataclass
class FitResult:
    """What the helper found; `weights` is {scorecard: {component: weight}}."""

    weights: dict[str, dict[str, float]]
    current_weights: dict[str, dict[str, float]]
    auc_current: float | None
    auc_proposed: float | None
    rows: int
    churned: int
    fitted_on: dict[str, str] = field(default_factory=dict)
    coefficients: dict[str, dict[str, float]] = field(default_factory=dict)
    auc_by_scorecard: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    holdout: dict[str, float | int | None] | None = None


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------
def auc_lower_is_riskier(scores: np.ndarray, churned: np.ndarray) -> float | None:
    """P(score of a retained customer > score of a churned one), ties counted one half
    (Mann-Whitney U with average ranks). None when either group is empty."""
    scores = np.asarray(scores, dtype=float)
    churned = np.asarray(churned, dtype=bool)
    keep = ~np.isnan(scores)
    scores, churned = scores[keep], churned[keep]
    n_churned = int(churned.sum())
    n_retained = int((~churned).sum())
    if n_churned == 0 or n_retained == 0:
        return None
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    u_retained = ranks[~churned].sum() - n_retained * (n_retained + 1) / 2
    return float(u_retained / (n_retained * n_churned))


def fit_logistic_l2(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, max_iter: int = 100, tol: float = 1e-10
) -> tuple[float, np.ndarray]:
    """Logistic regression by Newton's method; penalty l2/2 * ||beta||^2 (not on the
    intercept). Returns (intercept, coefficients)."""
    n, k = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    theta = np.zeros(k + 1)
    penalty = np.full(k + 1, float(l2))
    penalty[0] = 0.0
    for _ in range(max_iter):
        eta = np.clip(design @ theta, -35, 35)
        p = 1.0 / (1.0 + np.exp(-eta))
        gradient = design.T @ (p - y) + penalty * theta
        w = p * (1 - p)
        hessian = design.T @ (design * w[:, None]) + np.diag(penalty) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < tol:
            break
    return float(theta[0]), theta[1:]


def weighted_score(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The warehouse's formula: sum(w * s) / sum(w) over the components with data (nan =
    no data); nan when no weighted component has data."""
    have = ~np.isnan(components)
    coverage = (have * weights).sum(axis=1)
    total = (np.where(have, components, 0.0) * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(coverage > 0, total / coverage, np.nan)


def coefficients_to_weights(beta: np.ndarray, sd: np.ndarray) -> np.ndarray | None:
    """w_j = max(0, -beta_j / sd_j), normalised to sum 1; None when all are 0."""
    raw = np.maximum(0.0, -beta / sd)
    if raw.sum() <= 0:
        return None
    return raw / raw.sum()


def round_weights(weights: dict[str, float], places: int = 4) -> dict[str, float]:
    """Round to `places` decimals so that they sum to exactly 1 (the largest absorbs the
    rounding difference)."""
    quantum = Decimal(1).scaleb(-places)
    rounded = {
        c: Decimal(repr(float(w))).quantize(quantum, rounding=ROUND_HALF_EVEN)
        for c, w in weights.items()
    }
    largest = max(rounded, key=lambda c: (rounded[c], c))
    rounded[largest] += Decimal(1) - sum(rounded.values())
    return {c: float(v) for c, v in rounded.items()}


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------
def read_inputs(warehouse: Path) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        base = con.execute(
            f"select customer_id, month_start, scorecard, {', '.join(SCORE_COLUMNS)}, "
            f"health_score, churned from {BASE_RELATION} where health_score is not null"
        ).df()
        rows = con.execute(
            f"select scorecard, component, weight from {WEIGHTS_RELATION}"
        ).fetchall()
    finally:
        con.close()
    current: dict[str, dict[str, float]] = {}
    for scorecard, component, weight in rows:
        current.setdefault(scorecard, dict.fromkeys(COMPONENTS, 0.0))[component] = float(weight)
    return base, current


def _weight_vector(weights: dict[str, float]) -> np.ndarray:
    return np.array([weights.get(c, 0.0) for c in COMPONENTS], dtype=float)


def _fit_rows(frame: pd.DataFrame, l2: float) -> tuple[np.ndarray | None, np.ndarray]:
    x = frame[SCORE_COLUMNS].to_numpy(dtype=float)
    means = np.nanmean(np.where(np.isnan(x), np.nan, x), axis=0)
    means = np.where(np.isnan(means), 50.0, means)
    x = np.where(np.isnan(x), means, x)
    sd = x.std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    z = (x - means) / sd
    _, beta = fit_logistic_l2(z, frame["churned"].to_numpy(dtype=float), l2=l2)
    return coefficients_to_weights(beta, sd), beta


def propose(
    base: pd.DataFrame,
    current: dict[str, dict[str, float]],
    l2: float = 1.0,
    min_churned: int = 20,
) -> tuple[dict[str, dict[str, float]], dict[str, str], dict[str, dict[str, float]]]:
    """Fitted weights per scorecard of `current`, where each was fitted, and the
    coefficients (per standard deviation) of each fit."""
    pooled_w, pooled_beta = _fit_rows(base, l2)
    coefficients = {"pooled": dict(zip(COMPONENTS, map(float, pooled_beta), strict=True))}
    proposed: dict[str, dict[str, float]] = {}
    fitted_on: dict[str, str] = {}
    for scorecard in sorted(current):
        rows = base[base["scorecard"] == scorecard]
        churned = int(rows["churned"].sum())
        retained = len(rows) - churned
        weights, source = None, "pooled"
        if churned >= min_churned and retained >= min_churned:
            weights, beta = _fit_rows(rows, l2)
            coefficients[scorecard] = dict(zip(COMPONENTS, map(float, beta), strict=True))
            source = f"own rows ({len(rows)}, {churned} churned)"
        if weights is None:
            weights = pooled_w
        if weights is None:
            proposed[scorecard] = dict(current[scorecard])
            fitted_on[scorecard] = "kept current (no usable signal)"
            continue
        proposed[scorecard] = round_weights(dict(zip(COMPONENTS, map(float, weights), strict=True)))
        fitted_on[scorecard] = (
            source if source != "pooled" else f"pooled rows ({len(base)}; own: {churned} churned)"
        )
    return proposed, fitted_on, coefficients


def score_rows(base: pd.DataFrame, weights: dict[str, dict[str, float]]) -> np.ndarray:
    """Each row scored with the weights of its scorecard (default when unknown)."""
    components = base[SCORE_COLUMNS].to_numpy(dtype=float)
    out = np.full(len(base), np.nan)
    for scorecard, rows in base.groupby("scorecard").indices.items():
        w = _weight_vector(weights.get(scorecard, weights["default"]))
        out[rows] = weighted_score(components[rows], w)
    return out


def run(
    warehouse: Path,
    out: Path | None,
    l2: float = 1.0,
    min_churned: int = 20,
    holdout_months: int = 0,
) -> FitResult:
    base, current = read_inputs(warehouse)
    if base.empty or int(base["churned"].sum()) == 0:
        raise SystemExit("fit_weights: the backtest has no churned customer; nothing to fit")
    if "default" not in current:
        raise SystemExit("fit_weights: the current weights have no `default` scorecard")
    proposed, fitted_on, coefficients = propose(base, current, l2=l2, min_churned=min_churned)
    churned = base["churned"].to_numpy(dtype=bool)
    result = FitResult(
        weights=proposed,
        current_weights=current,
        auc_current=auc_lower_is_riskier(score_rows(base, current), churned),
        auc_proposed=auc_lower_is_riskier(score_rows(base, proposed), churned),
        rows=len(base),
        churned=int(churned.sum()),
        fitted_on=fitted_on,
        coefficients=coefficients,
    )
    for scorecard, rows in base.groupby("scorecard").indices.items():
        part = base.iloc[rows]
        part_churned = part["churned"].to_numpy(dtype=bool)
        result.auc_by_scorecard[scorecard] = (
            auc_lower_is_riskier(score_rows(part, current), part_churned),
            auc_lower_is_riskier(score_rows(part, proposed), part_churned),
        )
    if holdout_months > 0:
        months = sorted(base["month_start"].unique())
        if len(months) > holdout_months:
            test_months = set(months[-holdout_months:])
            is_test = base["month_start"].isin(test_months).to_numpy()
            train, test = base[~is_test], base[is_test]
            if int(train["churned"].sum()) > 0:
                fitted, _, _ = propose(train, current, l2=l2, min_churned=min_churned)
                test_churned = test["churned"].to_numpy(dtype=bool)
                result.holdout = {
                    "months": holdout_months,
                    "rows": len(test),
                    "auc_current": auc_lower_is_riskier(score_rows(test, current), test_churned),
                    "auc_proposed": auc_lower_is_riskier(score_rows(test, fitted), test_churned),
                }
    if out is not None:
        write_candidate(out, proposed)
    return result


def write_candidate(path: Path, weights: dict[str, dict[str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["scorecard", "component", "weight"])
        for scorecard in sorted(weights):
            for component in COMPONENTS:
                writer.writerow([scorecard, component, f"{weights[scorecard][component]:.4f}"])


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def report(result: FitResult, out: Path | None) -> str:
    lines = [
        f"backtest rows: {result.rows} customer-months, {result.churned} churned",
        f"AUC current weights:  {_fmt(result.auc_current)}",
        f"AUC proposed weights: {_fmt(result.auc_proposed)}  (in sample: same rows as fitted)",
    ]
    if result.holdout:
        h = result.holdout
        lines.append(
            f"out of time (fitted without the last {h['months']} months, {h['rows']} rows): "
            f"current {_fmt(h['auc_current'])}, proposed {_fmt(h['auc_proposed'])}"
        )
    header = f"{'scorecard':<12} {'component':<13} {'current':>8} {'proposed':>9}"
    lines += ["", header, "-" * len(header)]
    for scorecard in sorted(result.weights):
        for component in COMPONENTS:
            now = result.current_weights.get(scorecard, {}).get(component, 0.0)
            new = result.weights[scorecard][component]
            lines.append(f"{scorecard:<12} {component:<13} {now:>8.4f} {new:>9.4f}")
        auc_now, auc_new = result.auc_by_scorecard.get(scorecard, (None, None))
        lines.append(
            f"{scorecard:<12} fitted on {result.fitted_on[scorecard]}; "
            f"AUC current {_fmt(auc_now)}, proposed {_fmt(auc_new)}"
        )
    if out is not None:
        lines += [
            "",
            f"candidate written to {out} (NOT to seeds/). It proposes; a person decides: review",
            "it, copy it over seeds/health_score_weights.csv and run `dbt build` to adopt it.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file (read-only)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports/health/weights_candidate.csv"),
        help="candidate CSV (seed format); never seeds/",
    )
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty (standardised scale)")
    parser.add_argument(
        "--min-churned",
        type=int,
        default=20,
        help="churned (and retained) rows a scorecard needs to be fitted on its own rows",
    )
    parser.add_argument(
        "--holdout-months", type=int, default=3, help="months held out for an out-of-time AUC"
    )
    args = parser.parse_args(argv)
    if args.out.resolve().parent.name == "seeds":
        parser.error("--out must not be in seeds/ (dbt would load it): write a candidate file")
    result = run(args.warehouse, args.out, args.l2, args.min_churned, args.holdout_months)
    print(report(result, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
