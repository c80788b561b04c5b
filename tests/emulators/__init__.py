"""Local stand-ins for the warehouses, reached through the real production drivers.

One package per warehouse, both of the shape :class:`tests.emulators.base.Emulator` states:

* :mod:`tests.emulators.snowflake` -- fakesnow's HTTP server in a child process, for
  snowflake-connector-python;
* :mod:`tests.emulators.redshift` -- an embedded PostgreSQL behind a translating wire proxy, for
  redshift-connector.

Each is a context manager (``with RedshiftEmulator() as emu: emu.connect()``), and
``python -m tests.emulators.snowflake`` / ``python -m tests.emulators.redshift`` starts one by hand
and prints where to connect until Ctrl-C.
"""
