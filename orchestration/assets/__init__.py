"""Dagster assets: ingestion (one per source), dbt models, publishing and reports."""
