"""Validate a DataFrame against a suite file from expectations/, with GX Core 1.x.

GX 1.x has no DuckDB SQL dialect and dagster-ge supports only GX 0.x, so Pulse reads a
table through DuckDB into pandas and validates it with GX's pandas data source. GX is
imported lazily: its import costs seconds, and only the checks need it.

Suite files are GX's own JSON form of an ExpectationSuite (name, expectations: [{type,
kwargs, meta}]). Each expectation carries `meta.severity`: `error` (a failure blocks what is
downstream) or `warn` (reported, not blocking). Kwargs may refer to run-time parameters as
{"$PARAMETER": "name"} (e.g. the previous run's row count).

Every validation of a process goes into one GX context whose Data Docs site is written to
the data-docs folder (PULSE_DATA_DOCS_DIR, default reports/data_docs): open index.html.
Rendering the site is most of a validation's cost; PULSE_DATA_DOCS=off skips it (the check
results and their metadata are unchanged), e.g. for test runs that do not look at the docs.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.config import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def data_docs_dir() -> Path:
    p = Path(os.environ.get("PULSE_DATA_DOCS_DIR") or "reports/data_docs")
    return p if p.is_absolute() else PROJECT_ROOT / p


@dataclass
class ValidationSummary:
    suite: str
    evaluated: int
    failed_errors: list[str] = field(default_factory=list)
    failed_warnings: list[str] = field(default_factory=list)
    docs_index: str | None = None

    @property
    def blocking_failure(self) -> bool:
        return bool(self.failed_errors)

    def merged(self, other: ValidationSummary) -> ValidationSummary:
        """The verdict over two chunks of one table validated with the same suite: a failed
        expectation of either chunk fails (each listed once)."""
        return ValidationSummary(
            suite=self.suite,
            evaluated=max(self.evaluated, other.evaluated),
            failed_errors=list(dict.fromkeys(self.failed_errors + other.failed_errors)),
            failed_warnings=list(dict.fromkeys(self.failed_warnings + other.failed_warnings)),
            docs_index=other.docs_index or self.docs_index,
        )

    def as_metadata(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": len(self.failed_errors) + len(self.failed_warnings),
            "failed_errors": ", ".join(self.failed_errors) or "none",
            "failed_warnings": ", ".join(self.failed_warnings) or "none",
            "data_docs": self.docs_index or "",
        }


def data_docs_enabled() -> bool:
    return os.environ.get("PULSE_DATA_DOCS", "on").lower() not in ("off", "0", "false", "no")


def load_suite_file(path: Path) -> dict:
    suite = json.loads(path.read_text())
    for exp in suite["expectations"]:
        severity = exp.get("meta", {}).get("severity")
        if severity not in ("error", "warn"):
            raise ValueError(f"{path}: expectation {exp['type']} needs meta.severity error|warn")
    return suite


@cache
def _context(docs_dir: str):
    import great_expectations as gx  # slow import, deliberately lazy

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    # Progress bars would flood the run's logs with one line per metric.
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ctx.add_data_docs_site(
        site_name="pulse",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": docs_dir,
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    ctx.data_sources.add_pandas("pulse")
    return ctx


def _describe(exp_config) -> str:
    kwargs = exp_config.kwargs
    column = kwargs.get("column") or ",".join(kwargs.get("column_list", []) or [])
    return f"{exp_config.type}({column})" if column else exp_config.type


def validate_frame(
    suite_path: Path, df: pd.DataFrame, batch_name: str, parameters: dict | None = None
) -> ValidationSummary:
    """Validate df against the suite file; write the result into the Data Docs site."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # pandas extension dtypes (pandas 3's `str`, nullable Int32...) are unknown to GX 1.x's
    # type expectations; hand GX object columns, whose values' Python types it checks
    # (str, int). The values are unchanged.
    ext_cols = [c for c in df.columns if isinstance(df[c].dtype, pd.api.extensions.ExtensionDtype)]
    if ext_cols:
        df = df.astype({c: object for c in ext_cols})
    spec = load_suite_file(suite_path)
    ctx = _context(str(data_docs_dir()))
    with_docs = data_docs_enabled()
    name = f"{spec['name']}__{batch_name}" + ("" if with_docs else "__nodocs")
    source = ctx.data_sources.get("pulse")
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    batch_def = (
        asset.batch_definitions[0]
        if asset.batch_definitions
        else asset.add_batch_definition_whole_dataframe("whole")
    )
    try:
        suite = ctx.suites.get(name)
    except Exception:  # noqa: BLE001 - GX raises its own not-found types
        suite = ctx.suites.add(ExpectationSuite(**{**spec, "name": name}))
    try:
        checkpoint = ctx.checkpoints.get(name)
    except Exception:  # noqa: BLE001
        definition = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
        )
        checkpoint = ctx.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=(
                    [gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")]
                    if with_docs
                    else []
                ),
                result_format="SUMMARY",
            )
        )
    result = checkpoint.run(
        batch_parameters={"dataframe": df}, expectation_parameters=parameters or {}
    )
    summary = ValidationSummary(suite=spec["name"], evaluated=0)
    for run_result in result.run_results.values():
        summary.evaluated += run_result.statistics["evaluated_expectations"]
        for r in run_result.results:
            if r.success:
                continue
            label = _describe(r.expectation_config)
            if r.expectation_config.meta.get("severity") == "error":
                summary.failed_errors.append(label)
            else:
                summary.failed_warnings.append(label)
    summary.docs_index = str(data_docs_dir() / "index.html") if with_docs else None
    return summary
