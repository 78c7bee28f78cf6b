"""The start-up cost of a local Spark session, on its own.

On the Spark target (PULSE_TARGET=spark) dbt-spark's `session` method starts pyspark inside
the dbt process: every dbt invocation pays for a JVM and a SparkSession before its first
model. This probe starts the same session, with the `server_side_parameters` of the `spark`
output in profiles.yml, exactly as dbt-spark's session cursor does
(`SparkSession.builder.enableHiveSupport()`, one `.config()` per parameter), runs `select 1`
and stops it, timing each part.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestration.config import PROJECT_ROOT

SPARK_OUTPUT = "spark"  # profiles.yml: pulse.outputs.spark


def session_parameters(profiles_dir: Path = PROJECT_ROOT, output: str = SPARK_OUTPUT) -> dict:
    """The output's server_side_parameters, each value's env_var() calls rendered from this
    process's environment. Like dbt: the YAML is parsed first and only its values are
    rendered (the file's comments hold env_var() calls of outputs that are not set up)."""
    import jinja2
    import yaml

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"profiles.yml needs the environment variable {name}")
        return value

    profile = yaml.safe_load((profiles_dir / "profiles.yml").read_text())
    params = profile["pulse"]["outputs"][output].get("server_side_parameters", {})
    jinja = jinja2.Environment()
    return {str(k): jinja.from_string(str(v)).render(env_var=env_var) for k, v in params.items()}


def measure() -> dict:
    """Seconds to import pyspark, to start the session (JVM launch and getOrCreate), to run a
    first query, and to stop; plus what the session reports back of its settings."""
    params = session_parameters()
    t0 = time.time()
    from pyspark.sql import SparkSession

    t1 = time.time()
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in params.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    t2 = time.time()
    one = spark.sql("select 1 as one").collect()[0]["one"]
    t3 = time.time()
    settings = {
        "master": spark.sparkContext.master,
        "spark_version": spark.version,
        "session_time_zone": spark.conf.get("spark.sql.session.timeZone"),
        "driver_memory": spark.sparkContext.getConf().get("spark.driver.memory", None),
    }
    spark.stop()
    t4 = time.time()
    return {
        "import_pyspark_s": t1 - t0,
        "session_start_s": t2 - t1,
        "first_query_s": t3 - t2,
        "stop_s": t4 - t3,
        "select_one": one,
        **settings,
    }
