"""The demo-data generator: reproducible, in the landing contract, honest in its manifest, and
telling the churn story downstream metrics look for."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import FILE_FORMATS, REASON_CODES, SOURCES, Source
from orchestration.ingest import validate
from tools.demo_data.generate import generate, main

END = dt.date(2025, 6, 30)
SCALE = 0.01  # ~100 customers: enough for every feature, fast


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, scale=SCALE, seed=42, end_date=END)
    return out


@pytest.fixture(scope="module")
def manifest(landing: Path) -> dict:
    return json.loads((landing / "_manifest.json").read_text())


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _files(landing: Path, source: Source) -> list[Path]:
    return sorted((landing / source.name).iterdir())


def _reader(path: Path, source: Source) -> str:
    """A relation over one file with every contract column as text, read the way the
    contract defines the format (not with the generator's own code)."""
    p = str(path).replace("'", "''")
    fmt = FILE_FORMATS[path.suffix]
    if fmt == "csv":
        return (
            f"read_csv('{p}', header = true, delim = ',', quote = '\"', escape = '\"',"
            " all_varchar = true, strict_mode = true)"
        )
    if fmt == "parquet":
        return f"read_parquet('{p}')"
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in source.column_names)
    return f"read_json('{p}', format = 'newline_delimited', columns = {{{columns}}})"


def _all_rows(con: duckdb.DuckDBPyConnection, landing: Path, source: Source) -> None:
    """Temp table rows_<source>: every delivered row, as text, with its file name."""
    cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in source.column_names)
    parts = [
        f"SELECT {cols}, '{path.name}' AS _file FROM {_reader(path, source)}"
        for path in _files(landing, source)
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE rows_{source.name} AS " + " UNION ALL ".join(parts))


def _key(source: Source) -> str:
    return validate.primary_key_expression(source)


# ---------------------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(landing: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, scale=SCALE, seed=42, end_date=END)
    assert _digests(again) == _digests(landing)


def test_other_seed_gives_other_data(landing: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, scale=SCALE, seed=7, end_date=END)
    a, b = _digests(landing), _digests(other)
    for source in SOURCES:
        mine = {k: v for k, v in a.items() if k.startswith(source.name + "/")}
        theirs = {k: v for k, v in b.items() if k.startswith(source.name + "/")}
        assert mine != theirs, source.name


def test_rewrites_its_own_folder_but_not_a_foreign_one(tmp_path: Path) -> None:
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing"):
        generate(foreign, scale=SCALE, seed=1, end_date=END)
    assert (foreign / "notes.txt").read_text() == "keep me"

    ours = tmp_path / "ours"
    main(["--out", str(ours), "--scale", str(SCALE), "--seed", "1", "--end-date", "2025-06-30"])
    (ours / "customers" / "stray.csv").write_text("customer_id\n")
    main(["--out", str(ours), "--scale", str(SCALE), "--seed", "1", "--end-date", "2025-06-30"])
    assert not (ours / "customers" / "stray.csv").exists()


# ---------------------------------------------------------------------------------------
# The landing contract
# ---------------------------------------------------------------------------------------
def test_one_folder_per_source_with_files_of_its_format(landing: Path, manifest: dict) -> None:
    assert sorted(p.name for p in landing.iterdir() if p.is_dir()) == sorted(
        s.name for s in SOURCES
    )
    assert (landing / "_manifest.json").is_file()
    for source in SOURCES:
        entry = manifest["sources"][source.name]
        ending = "." + entry["format"]
        files = _files(landing, source)
        assert ending in FILE_FORMATS
        assert len(files) == entry["files"] > 1
        pattern = re.compile(rf"^{source.name}_(0000_initial|\d{{4}}-\d{{2}}){re.escape(ending)}$")
        assert all(pattern.match(p.name) for p in files), [p.name for p in files]


def test_file_names_sort_in_delivery_order(landing: Path) -> None:
    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]
    months = [m for m in months if "2023-07" <= m <= "2025-06"]
    for source in SOURCES:
        labels = [p.stem.removeprefix(source.name + "_") for p in _files(landing, source)]
        body = [label for label in labels if label != "0000_initial"]
        assert labels[: len(labels) - len(body)] in ([], ["0000_initial"])
        assert body == sorted(body) and set(body) <= set(months), source.name


def test_every_file_has_every_contract_column(landing: Path) -> None:
    con = duckdb.connect()
    for source in SOURCES:
        for path in _files(landing, source):
            if path.suffix == ".jsonl":  # keys per line: every line must carry every key
                rows = con.execute(
                    f"SELECT DISTINCT list_sort(json_keys(json)) AS keys"
                    f" FROM read_ndjson_objects('{path}')"
                ).fetchall()
                assert [r[0] for r in rows] == [sorted(source.column_names)], path.name
            else:
                names = [
                    d[0]
                    for d in con.execute(
                        f"DESCRIBE SELECT * FROM {_reader(path, source)}"
                    ).fetchall()
                ]
                assert names == source.column_names, path.name


def test_parquet_values_are_text(landing: Path) -> None:
    path = _files(landing, next(s for s in SOURCES if s.name == "usage_events"))[0]
    types = {
        d[1] for d in duckdb.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    }
    assert types == {"VARCHAR"}


# ---------------------------------------------------------------------------------------
# The manifest tells the truth
# ---------------------------------------------------------------------------------------
def test_manifest_row_counts_match_the_files(landing: Path, manifest: dict) -> None:
    con = duckdb.connect()
    for source in SOURCES:
        entry = manifest["sources"][source.name]
        counted = {
            p.name: con.execute(f"SELECT count(*) FROM {_reader(p, source)}").fetchone()[0]
            for p in _files(landing, source)
        }
        assert counted == entry["file_rows"], source.name
        assert sum(counted.values()) == entry["rows_written"], source.name


def test_manifest_key_accounting(landing: Path, manifest: dict) -> None:
    """rows = distinct keys + re-exports + bad rows; bad copies carry a -bad- key, fixed-later
    keys are delivered twice (broken, then valid)."""
    con = duckdb.connect()
    for source in SOURCES:
        e = manifest["sources"][source.name]
        _all_rows(con, landing, source)
        keyed = f"SELECT {_key(source)} AS k FROM rows_{source.name}"
        total, flagged, rows, keys = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE k LIKE '%-bad-%'),"
            f" count(*) FILTER (WHERE k NOT LIKE '%-bad-%'),"
            f" count(DISTINCT k) FILTER (WHERE k NOT LIKE '%-bad-%') FROM ({keyed})"
        ).fetchone()
        assert set(e["bad_rows"]) <= set(REASON_CODES), source.name
        assert sum(e["bad_rows"].values()) == e["bad_rows_total"] > 0, source.name
        assert total == e["distinct_keys"] + e["reexported"] + e["bad_rows_total"], source.name
        assert keys == e["distinct_keys"], source.name
        assert rows == e["distinct_keys"] + e["reexported"] + e["fixed_later"], source.name
        assert flagged == e["bad_rows_total"] - e["fixed_later"], source.name
        assert e["fixed_later"] > 0, source.name
    for name in ("customers", "subscriptions", "invoices", "survey_responses"):
        assert manifest["sources"][name]["reexported"] > 0, name


def test_bad_rows_break_exactly_one_rule_each(landing: Path, manifest: dict) -> None:
    """Checked with ingest's own rules: the quarantine will hold exactly the manifest's
    counts, and a good row never trips a rule."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for source in SOURCES:
        _all_rows(con, landing, source)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE found AS SELECT"
            f" {validate.reasons_expression(source)} AS reasons FROM rows_{source.name}"
        )
        per_reason = dict(
            con.execute(
                "SELECT reasons[1], count(*) FROM found WHERE len(reasons) > 0 GROUP BY 1"
            ).fetchall()
        )
        most = con.execute("SELECT max(len(reasons)) FROM found").fetchone()[0]
        assert most == 1, source.name
        assert per_reason == manifest["sources"][source.name]["bad_rows"], source.name


# ---------------------------------------------------------------------------------------
# Realism downstream metrics rely on
# ---------------------------------------------------------------------------------------
def _latest(con: duckdb.DuckDBPyConnection, landing: Path, source: Source) -> str:
    """The valid state of a source: the latest delivery of each key, bad copies left out."""
    _all_rows(con, landing, source)
    return (
        f"(SELECT * FROM rows_{source.name} WHERE {_key(source)} NOT LIKE '%-bad-%'"
        f" QUALIFY row_number() OVER (PARTITION BY {_key(source)} ORDER BY _file DESC) = 1)"
    )


CLOSED_SETS = {
    ("customers", "segment"): {"smb", "mid_market", "enterprise"},
    ("customers", "acquisition_channel"): {
        "organic",
        "paid_search",
        "paid_social",
        "partner",
        "events",
        "referral",
    },
    ("subscriptions", "plan"): {"starter", "growth", "business", "enterprise"},
    ("subscriptions", "currency"): {"USD", "EUR", "GBP", None},
    ("survey_responses", "survey_type"): {"csat", "nps", "ces"},
    ("survey_responses", "channel"): {"email", "in_app", "web"},
    ("survey_responses", "touchpoint"): {"onboarding", "support", "billing", "product", "renewal"},
    ("support_tickets", "category"): {"bug", "how_to", "billing", "outage", "feature_request"},
    ("support_tickets", "priority"): {"low", "normal", "high", "urgent"},
    ("support_tickets", "channel"): {"email", "chat", "phone"},
    ("usage_events", "event_type"): {"login", "feature_used", "webinar_attended"}
    | {"course_completed", "referral_made", "review_posted"},
    ("invoices", "status"): {"open", "paid", "void"},
    ("marketing_spend", "channel"): {"paid_search", "paid_social", "partner", "events"},
}


def test_closed_value_sets(landing: Path) -> None:
    con = duckdb.connect()
    by_name = {s.name: s for s in SOURCES}
    for (name, column), allowed in CLOSED_SETS.items():
        latest = _latest(con, landing, by_name[name])
        values = {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {latest}").fetchall()}
        assert values <= allowed, (name, column, values - allowed)
    segments = dict(
        con.execute(
            f"SELECT segment, count(*) FROM {_latest(con, landing, by_name['customers'])}"
            " GROUP BY 1"
        ).fetchall()
    )
    assert segments["smb"] > segments["mid_market"] > segments["enterprise"] > 0


def test_churners_use_the_product_less_before_they_leave(landing: Path) -> None:
    """A churner (every subscription ended) has a lower daily usage in its last 90 days than
    before, on average over churners with enough history."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    by_name = {s.name: s for s in SOURCES}
    subs = _latest(con, landing, by_name["subscriptions"])
    _all_rows(con, landing, by_name["usage_events"])
    rates = con.execute(f"""
        WITH churners AS (
            SELECT customer_id, max(CAST(ended_at AS DATE)) AS churn_date,
                greatest(min(CAST(started_at AS DATE)), DATE '2023-07-01') AS from_d
            FROM {subs}
            GROUP BY 1 HAVING count(*) = count(ended_at)
        ),
        events AS (
            SELECT customer_id, CAST(try_cast(occurred_at AS TIMESTAMPTZ) AS DATE) AS d
            FROM rows_usage_events
        ),
        per_churner AS (
            SELECT c.customer_id,
                count(*) FILTER (WHERE e.d >= c.churn_date - 90) / 90.0 AS last_90,
                count(*) FILTER (WHERE e.d < c.churn_date - 90)
                    / any_value(c.churn_date - 90 - c.from_d) AS before
            FROM churners c JOIN events e USING (customer_id)
            WHERE c.churn_date - c.from_d >= 180
            GROUP BY 1
        )
        SELECT count(*), avg(last_90), avg(before) FROM per_churner
    """).fetchone()
    churners, last_90, before = rates
    assert churners >= 3
    assert last_90 < 0.6 * before
