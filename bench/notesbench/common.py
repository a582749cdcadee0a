"""bench/notesbench/common.py: the source tree's paths, the machine's constants, the scenario names, and how the bench talks."""

import os
import sys


# This file is bench/notesbench/common.py in the source tree.
SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(SRCDIR, "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
ALL_SCENARIOS = ["ping", "get", "list100", "list10k", "listlimit", "post", "put", "delete", "mixed",
                 "get_auth", "post_auth",
                 # issue 12, our server only: gzip, and lists at --huge (100,000) notes
                 "list10kgz", "page1", "search", "search_word", "search_common", "search_short",
                 "sort", "after", "offset"]
# The list scenarios run at --huge notes, each beside a first page ("page1") of as many notes.
HUGE_SCENARIOS = ["page1", "search", "search_word", "search_common", "search_short", "sort",
                  "after", "offset"]
IS_ROOT = os.geteuid() == 0


def say(msg):
    print("bench: " + msg, flush=True)


def die(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)
