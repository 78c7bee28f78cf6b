"""The scorecard is configuration, not code: editing a weight or a category
threshold in a seed and re-running `dbt build` changes the scores, every day of the history
included (the configuration fingerprint changed), without any SQL edit or --full-refresh.

Runs dbt on a copy of the project files (dbt_project.yml, profiles.yml, models/, macros/,
seeds/, tests/dbt/) whose seed CSVs are edited, against a copy of the demo warehouse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from orchestration.manifest import copy_project
from tests.helpers import copy_parse_state, query, query_df, run_dbt

COMPONENTS = ["usage", "engagement", "satisfaction", "support", "payments", "advocacy", "renewal"]
SCORES = [f"{c}_score" for c in COMPONENTS]
FCT_COLUMNS = f"customer_id, as_of_date, scorecard, {', '.join(SCORES)}, health_score"
NO_TESTS = ["--exclude-resource-type", "test", "unit_test"]


def dbt(project: Path, warehouse: Path, as_of: str, *args: str) -> None:
    """dbt on the project copy: only the files that differ from the parse state the command
    starts from (the edited seeds) are parsed again."""
    run_dbt(list(args), warehouse, as_of, project_dir=project)


def rebuild(project: Path, warehouse: Path, as_of: str, seed: str, model: str) -> None:
    """Load the edited seed and rebuild the models between it and `model`, the last one the
    test reads. The values are what the test checks: the data tests (and the unit tests,
    which read no warehouse data) are left to the builds that test them."""
    selection = f"{seed}+,+{model}"
    dbt(project, warehouse, as_of, "build", "--select", selection, *NO_TESTS)


def fct(warehouse: Path) -> pd.DataFrame:
    return query_df(
        warehouse,
        f"select {FCT_COLUMNS}, health_category, config_fingerprint "
        "from fct_customer_health_daily order by customer_id, as_of_date",
    )


def test_editing_seeds_rescores_the_history(demo_build, tmp_path):
    as_of = demo_build["as_of"]
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build["warehouse"], warehouse)
    copy_parse_state(demo_build["warehouse"], warehouse)  # start from the demo build's parse state
    before = fct(warehouse)

    # 1. a new `default` scorecard: usage counts more, engagement and advocacy not at all
    weights_csv = project / "seeds" / "health_score_weights.csv"
    weights = pd.read_csv(weights_csv)
    new_default = {
        "usage": 0.40,
        "engagement": 0.0,
        "satisfaction": 0.15,
        "support": 0.15,
        "payments": 0.15,
        "advocacy": 0.0,
        "renewal": 0.15,
    }
    is_default = weights["scorecard"] == "default"
    weights.loc[is_default, "weight"] = weights.loc[is_default, "component"].map(new_default)
    weights.to_csv(weights_csv, index=False)
    rebuild(project, warehouse, as_of, "health_score_weights", "fct_customer_health_daily")

    after = fct(warehouse)
    assert len(after) == len(before)
    assert after["config_fingerprint"].nunique() == 1
    assert after["config_fingerprint"].iloc[0] != before["config_fingerprint"].iloc[0]
    # components are untouched; scores of the default scorecard change on every day ...
    pd.testing.assert_frame_equal(after[SCORES], before[SCORES])
    default = (after["scorecard"] == "default").to_numpy()
    changed = ~np.isclose(after["health_score"], before["health_score"], rtol=0, atol=1e-9)
    assert changed[default].mean() > 0.9
    assert after.loc[default, "as_of_date"].nunique() == before["as_of_date"].nunique()
    # ... to the re-weighted mean with the new weights, and the other scorecards do not move
    w = np.array([new_default[c] for c in COMPONENTS])
    s = after.loc[default, SCORES].to_numpy(dtype=float)
    have = ~np.isnan(s)
    expected = (np.where(have, s, 0) * w).sum(axis=1) / (have * w).sum(axis=1)
    np.testing.assert_allclose(after.loc[default, "health_score"], expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(
        after.loc[~default, "health_score"], before.loc[~default, "health_score"]
    )

    # 2. a stricter healthy threshold (the default rule is fixed): healthy from 80, not 70
    thresholds_csv = project / "seeds" / "health_category_thresholds.csv"
    thresholds = pd.read_csv(thresholds_csv)
    thresholds.loc[thresholds["parameter"] == "healthy_min_score", "value"] = 80
    thresholds.to_csv(thresholds_csv, index=False)
    rebuild(project, warehouse, as_of, "health_category_thresholds", "dim_customer_health")

    stricter = fct(warehouse)
    np.testing.assert_array_equal(stricter["health_score"], after["health_score"])
    expected = np.where(
        stricter["health_score"] < 50,
        "unhealthy",
        np.where(stricter["health_score"] >= 80, "healthy", "at_risk"),
    )
    assert list(stricter["health_category"]) == list(expected)
    healthy_before = (after["health_category"] == "healthy").sum()
    healthy_after = (stricter["health_category"] == "healthy").sum()
    assert 0 < healthy_after < healthy_before
    # the marts built on the history follow
    (healthy_today,) = query(
        warehouse, "select count(*) from dim_customer_health where health_category = 'healthy'"
    )[0]
    assert (
        healthy_today
        == (
            (stricter["as_of_date"] == pd.Timestamp(as_of))
            & (stricter["health_category"] == "healthy")
        ).sum()
    )

    # 3. signal weights inside a component: core-feature breadth counts three times as much
    # as logins, active days not at all; the stored signal points are not recomputed
    points_sql = (
        "select customer_id, as_of_date, usage_active_days_points, usage_logins_points,"
        " usage_feature_breadth_points, config_fingerprint from int_health_signal_points"
        " order by customer_id, as_of_date"
    )
    components_sql = (
        "select customer_id, as_of_date, usage_score, engagement_score, usage_days_inactive"
        " from int_health_components_daily order by customer_id, as_of_date"
    )
    points_before = query_df(warehouse, points_sql)
    components_before = query_df(warehouse, components_sql)
    signal_weights_csv = project / "seeds" / "health_signal_weights.csv"
    signal_weights = pd.read_csv(signal_weights_csv)
    new_usage = {"usage_active_days": 0.0, "usage_logins": 1.0, "usage_feature_breadth": 3.0}
    is_usage = signal_weights["signal"].isin(list(new_usage))
    signal_weights.loc[is_usage, "weight"] = signal_weights.loc[is_usage, "signal"].map(new_usage)
    signal_weights.to_csv(signal_weights_csv, index=False)
    rebuild(project, warehouse, as_of, "health_signal_weights", "int_health_components_daily")

    pd.testing.assert_frame_equal(query_df(warehouse, points_sql), points_before)
    components = query_df(warehouse, components_sql)
    assert len(components) == len(components_before)
    pd.testing.assert_series_equal(
        components["engagement_score"], components_before["engagement_score"]
    )
    # by hand, on the days without an inactivity deduction (within the grace days)
    grace = yaml.safe_load((project / "dbt_project.yml").read_text())["vars"][
        "health_inactivity_grace_days"
    ]
    merged = components.merge(points_before, on=["customer_id", "as_of_date"])
    inactive = merged["usage_days_inactive"]
    plain = merged[inactive.notna() & (inactive <= grace)]
    logins = plain["usage_logins_points"].to_numpy(dtype=float)
    breadth = plain["usage_feature_breadth_points"].to_numpy(dtype=float)
    numerator = np.nan_to_num(logins) * 1 + np.nan_to_num(breadth) * 3
    denominator = (~np.isnan(logins)) * 1 + (~np.isnan(breadth)) * 3
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_usage = np.where(denominator > 0, numerator / denominator, np.nan)
    assert len(plain) > 1000
    np.testing.assert_allclose(plain["usage_score"], expected_usage, rtol=0, atol=1e-9)
    changed = ~np.isclose(
        components["usage_score"], components_before["usage_score"], rtol=0, atol=1e-9
    )
    assert changed.mean() > 0.5
