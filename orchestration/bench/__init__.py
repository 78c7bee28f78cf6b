"""Pulse's benchmark harness: `python -m orchestration.bench --sf 1`, `make bench`.

See orchestration/bench/harness.py and benchmarks/README.md.
"""
