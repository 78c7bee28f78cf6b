"""What a `dbt build` did, from its artifacts: run_results.json (per-node timings) and
dbt.log (JSON lines, as dagster-dbt asks for): start-up, parse, whether the partial-parse
state was reused, and when the first and last node ran."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def _epoch(ts: str | None) -> float | None:
    if not ts:
        return None
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def read_run_results(path: Path) -> dict:
    """Nodes with their timings; `execution_time` is dbt's own (compile + execute)."""
    data = json.loads(path.read_text())
    nodes = []
    for r in data["results"]:
        timing = {t["name"]: t for t in r.get("timing", [])}
        execute = timing.get("execute", {})
        compile_ = timing.get("compile", {})
        start = _epoch(compile_.get("started_at") or execute.get("started_at"))
        end = _epoch(execute.get("completed_at") or compile_.get("completed_at"))
        uid = r["unique_id"]
        nodes.append(
            {
                "unique_id": uid,
                "resource_type": uid.split(".")[0],
                "name": uid.split(".")[-1] if uid.startswith(("model.", "seed.")) else uid,
                "status": r["status"],
                "execution_time_s": r["execution_time"],
                "compile_s": (
                    _epoch(compile_.get("completed_at")) - _epoch(compile_.get("started_at"))
                    if compile_
                    else None
                ),
                "execute_s": (
                    _epoch(execute.get("completed_at")) - _epoch(execute.get("started_at"))
                    if execute
                    else None
                ),
                "start": start,
                "end": end,
                "rows_affected": (r.get("adapter_response") or {}).get("rows_affected"),
                "message": r.get("message") if r["status"] in ("error", "fail") else None,
            }
        )
    return {"elapsed_time_s": data.get("elapsed_time"), "nodes": nodes}


def read_dbt_log(folder: Path) -> dict:
    """Start-up and parse facts from dbt.log (and its rotated parts dbt.log.1, ...)."""
    # rotation: dbt.log.2 is older than dbt.log.1, which is older than dbt.log
    files = sorted(
        folder.glob("dbt.log*"),
        key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
    )
    first = found = first_node = last = None
    parse: dict = {"mode": "unknown", "reasons": []}
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError):
                continue
            name, ts = info["name"], _epoch(info["ts"])
            first = ts if first is None else first
            last = ts
            if name == "UnableToPartialParse":
                parse["mode"] = "full re-parse"
                parse["reasons"].append(info["msg"])
            elif name == "PartialParsingNotEnabled" and parse["mode"] == "unknown":
                parse["mode"] = "full parse (no saved state)"
            elif name == "PartialParsingSkipParsing":
                parse["mode"] = "manifest reused (nothing changed)"
            elif name == "PartialParsingEnabled":
                parse["mode"] = "partial parse"
                parse["detail"] = info["msg"]
            elif name == "FoundStats":
                found = ts
                parse["found"] = info["msg"]
            elif name == "NodeStart" and first_node is None:
                first_node = ts
    if parse["mode"] == "unknown" and found is not None:
        parse["mode"] = "full parse (no saved state)"
    return {
        "first_log": first,
        "parsed": found,
        "first_node": first_node,
        "last_log": last,
        "startup_and_parse_s": (found - first) if found and first else None,
        "parse": parse,
    }
