"""bench/notesbench: the benchmark driver behind scripts/bench, one module per part.

  common   paths, constants, say/die          procs    process groups, CPU ticks, memory
  web      HTTP helpers                       tools    wrk, pgbench, psql
  target   a server under test                stack    our stack and its ceilings' nginx
  run      measurements and scenarios         report   Markdown table and targets (pure)
  machine  what the run ran on                cli      options and the run as a whole
"""
