"""Benchmarks of sessionizer on DuckDB: full refresh and incremental runs beside their baselines.

``python -m benchmarks`` generates page views with sessionizer's own generator (cached as Parquet in
``benchmarks/.cache/``), then, in one process and each in a fresh DuckDB file, times:

* ``full_refresh``: sessionizer's full refresh over the whole history (through ``Job``);
* ``lower_bound``: one CREATE TABLE … AS doing dedupe + session window pass + session aggregation
  (``lower_bound.sql``), the practical floor of a full refresh;
* ``write_floor``: the full refresh's finished tables copied as they are (``write_floor.sql``): what
  writing that output costs with no computing at all;
* ``naive_incremental_<p>pct``: dbt-segment's way, every visitor in the batch recomputed from all of
  their page views (``naive_incremental.sql``);
* ``incremental_<p>pct``: sessionizer's incremental run of the newest p% of rows, 10% of them late;
* ``incremental_fixed_<size>``: the same of a fixed 10,000-row batch over each ``--history`` size,
  so a run's cost can be seen against a growing history.

Wall seconds are the median of ``--repeat`` unprofiled runs; rows read/written (read also by
stage) and the per-statement profile come from one extra run with DuckDB's JSON profiling on. See
README.md for how to read them.

One module per job; README.md's "Layout" lists them. ``orchestrate.run`` is the whole benchmark,
``report.render`` prints its results.
"""
