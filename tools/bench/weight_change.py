"""The weight-change scenario: a customer-success lead moves one weight of the health
scorecard (seeds/health_score_weights.csv) and wants the whole history re-scored.

On a copy of the dbt project whose weights seed has 0.05 moved from the default scorecard's
first component to its second (the weights still sum to 1, as a seed test demands), dbt
builds the seed and everything downstream of it, with their data tests, on the benchmark's
warehouse after its last pipeline run: the score layer restates every day from the stored
component scores (its configuration fingerprint changed), the layers above it follow. The
time is dbt's, from the command's start to its end; a `pulse run` after the edit adds the
pipeline's fixed steps (ingestion of nothing new, the checks, publishing, the reports), which
the daily run measures.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb

from orchestration.manifest import copy_project
from orchestration.parse_state import seed
from orchestration.resources import dbt_command

SEED = Path("seeds") / "health_score_weights.csv"
MOVED = 0.05
SELECTION = "health_score_weights+"


def moved_weights(text: str, amount: float = MOVED) -> tuple[str, dict]:
    """The seed's text with `amount` moved from the default scorecard's first component to
    its second, and what moved."""
    rows = list(csv.DictReader(io.StringIO(text)))
    default = [r for r in rows if r["scorecard"] == "default"]
    if len(default) < 2 or float(default[0]["weight"]) < amount:
        raise ValueError(
            f"{SEED}: the default scorecard needs two components, the first at least {amount}"
        )
    giver, taker = default[0], default[1]
    giver["weight"] = f"{float(giver['weight']) - amount:.2f}"
    taker["weight"] = f"{float(taker['weight']) + amount:.2f}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    moved = {"scorecard": "default", "from": giver["component"], "to": taker["component"]}
    return out.getvalue(), {**moved, "amount": amount}


def copy_project_moving_a_weight(target: Path) -> dict:
    """The dbt project copied to `target` with one weight moved; returns what moved."""
    if target.exists():
        shutil.rmtree(target)
    copy_project(target)
    text, moved = moved_weights((target / SEED).read_text(encoding="utf-8"))
    (target / SEED).write_text(text, encoding="utf-8")
    return moved


SCORES = "fct_customer_health_daily"


def _fingerprints(warehouse: str) -> dict[str, int]:
    """Rows of the health history per configuration fingerprint (read only)."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        sql = f"select config_fingerprint, count(*) from {SCORES} group by config_fingerprint"
        return dict(con.execute(sql).fetchall())
    finally:
        con.close()


def rescore(project: Path, artifacts: Path) -> dict:
    """Run the re-score on the warehouse of PULSE_WAREHOUSE (the benchmark's environment);
    dbt's timings per node from its run_results.json, and the history's rows that carry the
    new configuration fingerprint afterwards (all of them: the whole history re-scored)."""
    warehouse = os.environ["PULSE_WAREHOUSE"]
    before = _fingerprints(warehouse)
    target = artifacts / "target"
    # the project's parse state, as every Pulse dbt command starts from it: only the edited
    # seed (and the copy's paths) are parsed again
    seed(target)
    cmd = dbt_command(
        "build",
        "--select",
        SELECTION,
        "--exclude-resource-type",
        "unit_test",
        target_path=target,
        log_path=artifacts / "logs",
        project_dir=project,
    )
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=project, env=os.environ, capture_output=True, text=True)
    t1 = time.time()
    (artifacts / "dbt.out").write_text(proc.stdout + proc.stderr)
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = {
        r["unique_id"]: {"status": r["status"], "execution_time_s": r["execution_time"]}
        for r in results
    }
    after = _fingerprints(warehouse)
    return {
        "t_start": t0,
        "t_end": t1,
        "dbt_wall_s": t1 - t0,
        "success": proc.returncode == 0,
        "history_rows": sum(after.values()),
        "history_rows_rescored": sum(n for fp, n in after.items() if fp not in before),
        "selection": SELECTION,
        "nodes": nodes,
    }
