"""One module per section of the report; each has `render(data, ...) -> Markup` and, where it
makes the HTML clearer, a template in orchestration/reports/templates/sections/.

A section whose mart is missing or empty raises `Missing`: the page shows its message as a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # data.py imports sections.playbooks: no import cycle at run time
    import pandas as pd

    from orchestration.reports.pulse_report.data import ReportData

# (id, title) in page order; the id is the section's anchor
SECTIONS = (
    ("health", "Customer health today"),
    ("attention", "Who needs attention"),
    ("cx", "CSAT, NPS and CES by month"),
    ("retention", "Churn and revenue retention"),
    ("cohorts", "Cohort retention"),
    ("acquisition", "CAC and LTV:CAC by channel"),
    ("finance", "Receivables aging"),
    ("playbooks", "Playbooks"),
    ("backtest", "Does the health score predict churn?"),
    ("data-quality", "Data quality"),
)


class Missing(Exception):
    """A section's mart is missing or empty: shown as a note."""


def need(data: ReportData, name: str) -> pd.DataFrame:
    df = data.get(name)
    if df is None:
        raise Missing(f"The mart {name} is not in this serving copy.")
    if len(df) == 0:
        raise Missing(f"The mart {name} has no rows yet.")
    return df
