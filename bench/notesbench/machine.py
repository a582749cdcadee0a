"""bench/notesbench/machine.py: what the run ran on, for the record."""

import os
import platform
import subprocess


def machine_info():
    info = {"uname": " ".join(platform.uname()), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(f.readline().split()[1])
        with open("/proc/loadavg") as f:
            info["loadavg_at_end"] = f.read().split()[:3]
    except OSError:
        pass
    for tool, cmd in (("nginx", ["nginx", "-v"]), ("wrk", ["wrk", "--version"]), ("pgbench", ["pgbench", "--version"])):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
            info[tool] = (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            pass
    return info


def busy_processes():
    """The processes that used the most CPU during the run (other helpers, for the record)."""
    r = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True)
    return [l.strip() for l in r.stdout.splitlines()[1:9]]
