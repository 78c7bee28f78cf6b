"""dbt conventions the health engine (and every model) keeps, read from dbt's own manifest:
every health model is in the lineage with a test on its key, no project macro overrides one of
dbt's own, and no project SQL reaches a relation around ref() / source() / this."""

from __future__ import annotations

import json
import re

from orchestration.config import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text())


def test_every_health_model_has_a_test_on_its_key():
    manifest = _manifest()
    models = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and "/health/" in node["original_file_path"]
    }
    assert len(models) >= 15
    tested = {
        parent: node["test_metadata"]["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("test_metadata")
        for parent in node["depends_on"]["nodes"]
    }
    untested = sorted(m["name"] for node_id, m in models.items() if node_id not in tested)
    assert untested == []
    ephemeral = sorted(
        m["name"] for m in models.values() if m["config"]["materialized"] == "ephemeral"
    )
    assert ephemeral == [], "an ephemeral model has no table to test and no place in the lineage"


def test_no_project_macro_overrides_a_dbt_macro():
    macros = _manifest()["macros"]
    dbt_names = {m["name"] for m in macros.values() if m["package_name"] == "dbt"}
    overrides = sorted(
        m["name"]
        for m in macros.values()
        if m["package_name"] == "pulse" and m["name"] in dbt_names
    )
    assert overrides == []


def test_no_relation_is_read_around_ref_source_or_this():
    """adapter.get_relation and friends give a model a table dbt does not know it reads."""
    pattern = re.compile(r"adapter\.get_relation|load_relation|api\.Relation\.create")
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("models", "macros")
        for path in (PROJECT_ROOT / folder).rglob("*.sql")
        if pattern.search(path.read_text())
    ]
    assert offenders == []
