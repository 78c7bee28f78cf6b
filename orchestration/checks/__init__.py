"""Dagster asset checks: Great Expectations suites on raw tables and on marts."""
