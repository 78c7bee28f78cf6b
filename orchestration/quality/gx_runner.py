"""Validate a DataFrame against a suite file from expectations/, with GX Core 1.x.

GX 1.x has no DuckDB SQL dialect and dagster-ge supports only GX 0.x, so a suite GX runs is
validated on a pandas frame read through DuckDB: the small marts' suites and the one-row
table profile. Suites over many rows (every raw suite, the large marts) set
`meta.evaluate: sql` and are evaluated as one SQL aggregate instead (quality/sql_suite.py).
GX is imported lazily: its import costs seconds, and only the checks need it.

Suite files are GX's own JSON form of an ExpectationSuite (name, expectations: [{type,
kwargs, meta}]). Each expectation carries `meta.severity`: `error` (a failure blocks what is
downstream) or `warn` (reported, not blocking). Kwargs may refer to run-time parameters as
{"$PARAMETER": "name"} (e.g. the previous run's row count).

Every validation of a process goes into one GX context whose Data Docs site is written to
the data-docs folder (PULSE_DATA_DOCS_DIR, default <PULSE_REPORTS_DIR>/data_docs): open index.html.
Rendering the site is most of a validation's cost; PULSE_DATA_DOCS=off skips it (the check
results and their metadata are unchanged), e.g. for test runs that do not look at the docs.
One site builder serves every validation of a process: GX's own UpdateDataDocsAction makes a
new builder per validation, whose page templates Jinja compiles afresh each time (about a
second per validation, most of the checks' time); a builder kept for the process compiles
them once and renders only the new validation's pages and the index.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path

import pandas as pd

from orchestration.config import PROJECT_ROOT, resolve_path, settings
from orchestration.quality.results import RuleResult, ValidationSummary, rule_label

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def data_docs_dir() -> Path:
    """PULSE_DATA_DOCS_DIR, else data_docs/ in the reports folder (PULSE_REPORTS_DIR), beside
    the other files people open."""
    if os.environ.get("PULSE_DATA_DOCS_DIR"):
        return resolve_path(os.environ["PULSE_DATA_DOCS_DIR"])
    return settings().reports_dir / "data_docs"


def data_docs_enabled() -> bool:
    return os.environ.get("PULSE_DATA_DOCS", "on").lower() not in ("off", "0", "false", "no")


def load_suite_file(path: Path) -> dict:
    suite = json.loads(path.read_text())
    engine = suite.get("meta", {}).get("evaluate", "gx_pandas")
    if engine not in ("gx_pandas", "sql"):
        raise ValueError(f"{path}: meta.evaluate must be gx_pandas or sql")
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
    ctx.add_data_docs_site(site_name=SITE_NAME, site_config=_site_config(docs_dir))
    ctx.data_sources.add_pandas("pulse")
    return ctx


SITE_NAME = "pulse"


def _site_config(docs_dir: str) -> dict:
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": docs_dir,
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


@cache
def _site_builder(docs_dir: str):
    """The Data Docs site's builder, made once per process (see the module's docstring)."""
    from great_expectations.render.renderer.site_builder import SiteBuilder

    config = {k: v for k, v in _site_config(docs_dir).items() if k != "class_name"}
    return SiteBuilder(data_context=_context(docs_dir), site_name=SITE_NAME, **config)


def _build_docs(docs_dir: str, suite_name: str, result) -> None:
    """The pages of one checkpoint result (its validation and its suite) and the index."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    pages = [*result.run_results.keys(), ExpectationSuiteIdentifier(name=suite_name)]
    _site_builder(docs_dir).build(resource_identifiers=pages)


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
                actions=[],  # the Data Docs pages: _build_docs, below
                result_format="SUMMARY",
            )
        )
    result = checkpoint.run(
        batch_parameters={"dataframe": df}, expectation_parameters=parameters or {}
    )
    if with_docs:
        _build_docs(str(data_docs_dir()), name, result)
    rules = [
        RuleResult(
            rule_label(r.expectation_config.type, r.expectation_config.kwargs),
            r.expectation_config.meta.get("severity"),
            bool(r.success),
            (r.result or {}).get("unexpected_count"),
        )
        for run_result in result.run_results.values()
        for r in run_result.results
    ]
    docs = str(data_docs_dir() / "index.html") if with_docs else None
    return ValidationSummary.from_rules(spec["name"], rules, "gx_pandas", docs)
