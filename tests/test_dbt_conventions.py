"""dbt conventions the health engine (and every model) keeps, read from dbt's own manifest:
every health model is in the lineage with a test on its key, no project macro overrides one of
dbt's own, and no project SQL reaches a relation around ref() / source() / this."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter

import pytest
import yaml

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


# The word issue followed by a number (optionally with #), or "the issue" in the possessive: a
# reference to a tracker the repository does not contain. Code and docs name the feature or rule.
_TRACKER_REFERENCE = re.compile(r"\b[Ii]ssues?\s*#?\d+\b|\b[Tt]he issue's\b")
# Lock files are written by the resolver (package names and hashes), not by us.
_NOT_OURS = re.compile(r"\.lock$")


def _tracked_text_files() -> list[str]:
    proc = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        pytest.skip("not a git checkout")
    return [p for p in proc.stdout.split("\0") if p and not _NOT_OURS.search(p)]


def test_no_reference_to_tracker_issue_numbers():
    word = "iss" + "ue"  # spelled apart so this file does not match its own pattern
    for caught in (f"({word} 4)", f"{word}s 3 and 5", f"{word} #10", f"the {word}'s definition"):
        assert _TRACKER_REFERENCE.search(caught), caught
    assert not _TRACKER_REFERENCE.search(f"the invoice's {word} date, {word}d_at 2026")
    offenders = []
    for rel in _tracked_text_files():
        path = PROJECT_ROOT / rel
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if _TRACKER_REFERENCE.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()[:100]}")
    assert offenders == [], "say what the feature or rule is, not which issue:\n" + "\n".join(
        offenders
    )


# A description this long written out three times is a copy waiting to drift: it belongs in a
# doc block (models/docs/*.md) that the YAML references with doc().
_LONG_DESCRIPTION = 60
_MAX_COPIES = 2


def _yaml_descriptions() -> list[tuple[str, str]]:
    """(file, text) of every literal description under models/, each written-out scalar once:
    YAML aliases (a column list reused with *anchor) are one text, not several copies."""
    found = []
    for path in sorted((PROJECT_ROOT / "models").rglob("*.yml")):
        seen: set[int] = set()
        stack = [yaml.compose(path.read_text())]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == "description" and isinstance(value, yaml.ScalarNode):
                        if id(value) not in seen:
                            seen.add(id(value))
                            found.append((str(path.relative_to(PROJECT_ROOT)), value.value))
                    else:
                        stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
    return found


def test_long_descriptions_are_not_copied_across_yaml_files():
    counts = Counter(text.strip() for _, text in _yaml_descriptions() if "doc(" not in text)
    copied = sorted(
        f"{n}x {text[:80]}"
        for text, n in counts.items()
        if len(text) > _LONG_DESCRIPTION and n > _MAX_COPIES
    )
    assert copied == [], "move these into a doc block under models/docs/:\n" + "\n".join(copied)


def test_every_doc_block_is_used_and_every_doc_reference_exists():
    block = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}")
    reference = re.compile(r"""doc\(\s*["'](\w+)["']\s*\)""")
    defined = {
        name
        for path in (PROJECT_ROOT / "models").rglob("*.md")
        for name in block.findall(path.read_text())
    }
    used = {name for _, text in _yaml_descriptions() for name in reference.findall(text)}
    assert sorted(used - defined) == []
    assert sorted(defined - used - {"__overview__"}) == [], "unused doc blocks"


def _exposure_models(name: str) -> set[str]:
    exposure = _manifest()["exposures"][f"exposure.pulse.{name}"]
    return {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}


def test_exposures_list_every_mart_their_consumer_reads():
    """The marts each consumer's module reads, taken from the module itself, are in its
    exposure's depends_on (models/exposures.yml), so lineage shows who reads each mart."""
    from orchestration.alerts import episodes
    from orchestration.assets.finance_reports import AGING_SUMMARY_SQL
    from orchestration.reports import finance_workbook
    from orchestration.reports.pulse_report import data as report_data
    from orchestration.reports.pulse_report.sections.playbooks import PLAYBOOKS

    report = {*report_data.WHOLE_TABLES, *report_data.SLICED_TABLES}
    report |= {p.table for p in PLAYBOOKS}
    assert report - _exposure_models("pulse_report") == set()
    workbook = {finance_workbook.AGING_MART, finance_workbook.DELAY_MART}
    workbook |= set(re.findall(r"\bfrom (\w+)", AGING_SUMMARY_SQL))
    assert workbook == _exposure_models("finance_workbook")
    assert _exposure_models("alert_delivery") == {episodes.MART}


def test_bi_exposure_lists_the_marts_the_bi_guide_and_semantic_layer_name():
    guide = (PROJECT_ROOT / "docs" / "bi.md").read_text()
    semantic = (PROJECT_ROOT / "models" / "marts" / "semantic").glob("*.yml")
    semantic_refs = {m for p in semantic for m in re.findall(r"ref\('(\w+)'\)", p.read_text())}
    bi = _exposure_models("bi_dashboards")
    assert semantic_refs <= bi
    assert all(name in guide or name in semantic_refs for name in bi)
    assert _manifest()["exposures"]["exposure.pulse.bi_dashboards"]["type"] == "dashboard"


def test_every_singular_test_is_an_asset_check_in_dagster():
    """A singular test that reads several models names the one it guards (meta dagster.ref):
    otherwise dagster-dbt logs it as an observation, with a warning on every run's terminal."""
    from orchestration.definitions import defs

    manifest = _manifest()
    singular = {
        node["name"]
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and not node.get("attached_node")
    }
    assert singular, "the project has singular tests (tests/dbt/)"
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert sorted(singular - checks) == []
