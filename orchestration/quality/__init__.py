"""Data quality: GX Core 1.x suites validated on DataFrames read from DuckDB."""
