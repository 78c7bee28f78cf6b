"""The report's Playbooks section: each playbook's length, totals and first ten rows in the
mart's own order, read from a hand-made serving copy; a missing mart gives a note."""

from __future__ import annotations

import duckdb

from orchestration.reports.pulse_report.sections.playbooks import load_playbooks, render


def _serving(path):
    con = duckdb.connect(str(path))
    # 12 advocates, stored out of order: the section shows ranks 1..10 and says 12
    con.execute(
        "create table rpt_playbook_advocates as select 13 - i as advocate_rank,"
        " 'c' || i as customer_id, 'Company ' || i as company_name, 'smb' as segment,"
        " 100.0 * i as current_mrr, 'why ' || i as reason from range(1, 13) t(i)"
    )
    con.execute(
        "create table rpt_renewal_forecast as select * from (values"
        " ('s1', 'c1', null, 'basic', 'healthy', date '2026-07-31', 100.0, 98.0),"
        " ('s2', 'c2', 'Two AS', 'team', 'unhealthy', date '2026-07-10', 1200.0, 900.0))"
        " t(subscription_id, customer_id, company_name, plan, health_category, renewal_date,"
        " mrr, expected_renewal_mrr)"
    )
    con.execute(
        "create table rpt_playbook_upsell as select 1 as upsell_rank, 'x' as customer_id,"
        " null as company_name, 's' as segment, 1.0 as current_mrr, 'r' as reason where false"
    )
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    existing = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    try:
        return load_playbooks(con, existing)
    finally:
        con.close()


def test_counts_totals_and_first_rows(tmp_path):
    rows = _serving(tmp_path / "serving.duckdb")
    advocates = rows["rpt_playbook_advocates"]
    assert advocates.count == 12
    assert list(advocates.top["advocate_rank"]) == list(range(1, 11))
    renewals = rows["rpt_renewal_forecast"]
    assert renewals.count == 2
    assert renewals.totals == {"MRR renewing": 1300.0, "Expected to renew": 998.0}
    assert list(renewals.top["subscription_id"]) == ["s2", "s1"]  # the sooner renewal first
    assert rows["rpt_collections_priority"] is None

    html = render(rows, "USD")
    assert "12 on the list (first 10 shown" in html
    # rank 1 is customer 12 (13 - 12), rank 10 is customer 3; customers 1 and 2 are not shown
    assert "Company 12" in html and "Company 3" in html
    assert "Company 2<" not in html and "Company 1<" not in html
    assert "2 on the list; MRR renewing: 1,300 USD; Expected to renew: 998 USD" in html
    # no company name: the customer id
    assert ">c1<" in html and ">Two AS<" in html
    assert "Nobody is on this list today." in html  # upsell: empty
    assert "The mart rpt_collections_priority is not in this serving copy." in html
