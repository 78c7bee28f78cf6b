"""Pulse's development tools: the benchmark harness (`python -m tools.bench`), the demo-data
generator (`python -m tools.demo_data.generate`) and the DuckDB-vs-Spark comparison
(`python -m tools.compare_targets`).

Run from a clone's root; `pip install .` installs only the runtime (`orchestration`), which
imports nothing from here (tests/test_layout.py keeps it so).
"""
