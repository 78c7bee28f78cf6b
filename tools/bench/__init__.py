"""Pulse's benchmark harness: `python -m tools.bench --sf 1`, `make bench`.

See tools/bench/harness.py and benchmarks/README.md.
"""
