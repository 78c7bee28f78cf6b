"""Pulse's Dagster code location: small modules, loaded here."""

from dagster import Definitions, colored_console_logger

from orchestration.assets.alert_delivery import alert_delivery
from orchestration.assets.dbt import pulse_dbt_models
from orchestration.assets.finance_reports import finance_reports
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.landing import landing_asset
from orchestration.assets.report import pulse_report
from orchestration.assets.serving import serving
from orchestration.checks.mart_checks import mart_checks
from orchestration.checks.raw_checks import raw_checks
from orchestration.checks.source_freshness import source_freshness_check
from orchestration.jobs import refresh_job
from orchestration.progress import progress_logger
from orchestration.resources import build_resources
from orchestration.schedules import daily_refresh
from orchestration.sensors import landing_sensor

defs = Definitions(
    assets=[
        landing_asset,
        *ingestion_assets,
        pulse_dbt_models,
        serving,
        finance_reports,
        pulse_report,
        alert_delivery,
    ],
    asset_checks=[*raw_checks, *mart_checks, source_freshness_check],
    jobs=[refresh_job],
    schedules=[daily_refresh],
    sensors=[landing_sensor],
    resources=build_resources(),
    # console: Dagster's default, kept; pulse_progress: `pulse run`'s step lines (opt-in)
    loggers={"console": colored_console_logger, "pulse_progress": progress_logger},
)
