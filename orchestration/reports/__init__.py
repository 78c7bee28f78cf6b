"""Report files for people who do not open the warehouse: the Pulse report (pulse_report/, its
HTML in templates/, its SVG charts in charts.py) and finance's workbook (finance_workbook.py)."""
