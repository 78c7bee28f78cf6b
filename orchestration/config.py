"""Pulse's settings, read from the environment once, with paths made absolute.

PULSE_LANDING_DIR  landing folder (default: the demo data folder, data/landing)
PULSE_WAREHOUSE    the working DuckDB file (default: warehouse/pulse.duckdb)
PULSE_AS_OF_DATE   the date that counts as today, YYYY-MM-DD (default: today, UTC)
PULSE_SERVING_DIR  where the published serving copy goes (default: warehouse/serving)
PULSE_REPORTS_DIR  report files for people, e.g. finance/<as_of_date>/ (default: reports)
PULSE_MAX_ROW_DROP_PCT   a table shrinking by more than this since the last good run fails
                         its quality check (default 50)
PULSE_TARGET       the dbt target: duckdb (default) or spark
PULSE_RAW_PARQUET_DIR    (spark) the Parquet raw layer Spark reads its sources from (default:
                         <warehouse>_raw_parquet/ beside the warehouse file)
PULSE_RAW_PARQUET_LOCATION  (spark) the same folder as the engine sees it, if elsewhere (a
                         cluster reading s3://...; read by macros/spark/raw_sources.sql)
PULSE_SPARK_WAREHOUSE    (spark) Spark's warehouse: the models' Parquet tables and the
                         metastore (default: <warehouse>_spark/ beside the warehouse file)
PULSE_FRESHNESS_DAYS     newest event older than this many days before the as-of date is
                         reported (a warning, default 3)
PULSE_DUCKDB_MEMORY_LIMIT  memory DuckDB may use per connection before it spills to disk
                         (default 2GB; profiles.yml reads the same variable for dbt)

Alert delivery (orchestration/alerts/; no channel set = only the call-list file):
PULSE_ALERT_LOOKBACK_DAYS  an open alert is sent when it opened at most this many days
                         before the as-of date (default 7), so a first run over a long
                         history does not send the history
PULSE_ALERT_SMTP_URL     e-mail server: smtp://host:port, smtps://host:port (TLS), or
                         smtp://host:port?starttls=1 (STARTTLS); no credentials in the URL
PULSE_ALERT_SMTP_USER, PULSE_ALERT_SMTP_PASSWORD  SMTP login, when the server wants one
PULSE_ALERT_EMAIL_FROM   the From address of alert e-mails (required with the SMTP URL)
PULSE_ALERT_EMAIL_TO     the default recipient: alerts whose customer has no owner
PULSE_ALERT_WEBHOOK_URL  a chat webhook taking Slack/Teams/Mattermost JSON {"text": ...}
PULSE_ALERT_TIMEOUT_SECONDS  network timeout per SMTP / HTTP operation (default 10)

Relative paths are taken relative to the repository root, never to the current directory,
so every entry point (make, dagster, pytest, a notebook) sees the same files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


def project_root(env: dict | None = None, cwd: Path | None = None) -> Path:
    """The dbt project Pulse runs (dbt_project.yml, models/, seeds/, expectations/): the clone
    this package sits in (a checkout, `make install`'s editable install); else, for a package
    installed with `pip install .`, PULSE_PROJECT_DIR or the current folder when it holds the
    project (the clone `pulse` is run from)."""
    env = os.environ if env is None else env
    beside = Path(__file__).resolve().parent.parent
    if (beside / "dbt_project.yml").exists():
        return beside
    for candidate in (env.get("PULSE_PROJECT_DIR"), cwd or Path.cwd()):
        if candidate and (Path(candidate) / "dbt_project.yml").exists():
            return Path(candidate).resolve()
    return beside  # dagster-dbt names the missing dbt_project.yml


PROJECT_ROOT = project_root()


def _path(var: str, default: str) -> Path:
    return resolve_path(os.environ.get(var) or default)


def _as_of_date() -> dt.date:
    raw = os.environ.get("PULSE_AS_OF_DATE")
    if not raw:
        return dt.datetime.now(dt.UTC).date()
    return parse_as_of(raw, "PULSE_AS_OF_DATE")


def parse_as_of(raw: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{what} must be YYYY-MM-DD, got {raw!r}") from exc


def resolve_path(raw: str) -> Path:
    """A path as Pulse reads one: `~` expanded, relative to the repository root."""
    p = Path(raw).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving_dir: Path
    as_of_date: dt.date
    max_row_drop_pct: float = 50.0
    freshness_days: int = 3
    reports_dir: Path = PROJECT_ROOT / "reports"
    target: str = "duckdb"

    @property
    def raw_parquet_dir(self) -> Path:
        return _path(
            "PULSE_RAW_PARQUET_DIR",
            str(self.warehouse.with_name(self.warehouse.stem + "_raw_parquet")),
        )

    @property
    def spark_warehouse(self) -> Path:
        return _path(
            "PULSE_SPARK_WAREHOUSE", str(self.warehouse.with_name(self.warehouse.stem + "_spark"))
        )

    @property
    def dbt_vars(self) -> dict[str, str]:
        return {"as_of_date": self.as_of_date.isoformat()}

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: the target and absolute paths for profiles.yml."""
        return {
            **os.environ,
            "PULSE_TARGET": self.target,
            "PULSE_WAREHOUSE": str(self.warehouse),
            "PULSE_AS_OF_DATE": self.as_of_date.isoformat(),
            "PULSE_RAW_PARQUET_DIR": str(self.raw_parquet_dir),
            "PULSE_SPARK_WAREHOUSE": str(self.spark_warehouse),
        }


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit for Pulse's own connections (the same default as profiles.yml)."""
    return os.environ.get("PULSE_DUCKDB_MEMORY_LIMIT") or "2GB"


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go. The password and the webhook URL (which holds the webhook's secret
    token) are kept out of repr, so they never reach a log line."""

    lookback_days: int = 7
    smtp_url: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    email_from: str | None = None
    email_to: str | None = None
    webhook_url: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0


def alert_settings() -> AlertSettings:
    def env(name: str) -> str | None:
        return (os.environ.get(name) or "").strip() or None

    lookback = int(env("PULSE_ALERT_LOOKBACK_DAYS") or 7)
    if lookback < 0:
        raise ValueError(f"PULSE_ALERT_LOOKBACK_DAYS must be 0 or more, got {lookback}")
    return AlertSettings(
        lookback_days=lookback,
        smtp_url=env("PULSE_ALERT_SMTP_URL"),
        smtp_user=env("PULSE_ALERT_SMTP_USER"),
        # a password may legitimately start or end with a space: not stripped
        smtp_password=os.environ.get("PULSE_ALERT_SMTP_PASSWORD") or None,
        email_from=env("PULSE_ALERT_EMAIL_FROM"),
        email_to=env("PULSE_ALERT_EMAIL_TO"),
        webhook_url=env("PULSE_ALERT_WEBHOOK_URL"),
        timeout_seconds=float(env("PULSE_ALERT_TIMEOUT_SECONDS") or 10),
    )


def settings() -> Settings:
    return Settings(
        landing_dir=_path("PULSE_LANDING_DIR", "data/landing"),
        warehouse=_path("PULSE_WAREHOUSE", "warehouse/pulse.duckdb"),
        serving_dir=_path("PULSE_SERVING_DIR", "warehouse/serving"),
        as_of_date=_as_of_date(),
        max_row_drop_pct=float(os.environ.get("PULSE_MAX_ROW_DROP_PCT") or 50),
        freshness_days=int(os.environ.get("PULSE_FRESHNESS_DAYS") or 3),
        reports_dir=_path("PULSE_REPORTS_DIR", "reports"),
        target=_target(),
    )


TARGETS = ("duckdb", "spark")


def _target() -> str:
    target = (os.environ.get("PULSE_TARGET") or "duckdb").strip().lower()
    if target not in TARGETS:
        raise ValueError(f"PULSE_TARGET must be one of {', '.join(TARGETS)}, got {target!r}")
    return target
