"""The machine and the software versions a benchmark ran on, read programmatically."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "dagster",
    "dagster-dbt",
    "great-expectations",
    # the Spark target's extra (None when it is not installed)
    "dbt-spark",
    "pyspark",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _disk(path: Path) -> dict:
    """Filesystem of `path`, its size and whether the block device is rotational."""
    usage = shutil.disk_usage(path)
    info: dict = {"path": str(path), "total_gb": round(usage.total / 1e9, 1)}
    try:
        out = subprocess.run(
            ["findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        info["device"], info["fstype"] = out[0], out[1]
        dev = Path(out[0]).name
        rota = Path(f"/sys/block/{dev}/queue/rotational")
        if rota.exists():
            info["rotational"] = rota.read_text().strip() == "1"
    except (OSError, subprocess.CalledProcessError, IndexError):
        pass
    return info


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def package_versions() -> dict[str, str | None]:
    return {p: _version(p) for p in PACKAGES}


def machine_info(work_dir: Path) -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "hostname": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(_mem_total_bytes() / 2**30, 1),
        "disk": _disk(work_dir),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "load_average_at_start": [round(x, 2) for x in load],
    }
