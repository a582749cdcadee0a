#!/usr/bin/env python3
"""bench/word_notes.py: word-like notes for the search scenarios (issue 12), as COPY text.

Usage: bench/word_notes.py N [--seed S] [--words FILE]
       bench/word_notes.py --rank K [--seed S] [--words FILE]
  Prints N lines "title<TAB>description" (psql: \\copy notes (title, description) FROM STDIN);
  with --rank, the word of rank K instead (1: the most frequent), to pick searches.

Words come from Debian's word list (package wamerican: /usr/share/dict/american-english,
possessives left out: 74,744 words, 256 of them with letters beyond ASCII such as "Asunción"),
shuffled once by the seed, and drawn with Zipf's law (the word of rank r with a chance
proportional to 1/r, as in natural text): the most frequent word is in about half the notes,
the 100th in about 1 %, most words in none or one. A title has 2 to 6 words, a description
3 to 9, each cut at 50 characters (the API's limit). The same N and seed always give the same
notes.
"""

import argparse
import math
import random
import sys

WORDS = "/usr/share/dict/american-english"


def vocabulary(path, seed):
    try:
        with open(path, encoding="utf-8") as f:
            words = [w.strip() for w in f if w.strip() and "'" not in w]
    except OSError as e:
        sys.exit("word_notes: %s (Debian package wamerican, see scripts/packages.txt)" % e)
    random.Random(seed).shuffle(words)
    return words


def notes(n, words, seed):
    rng = random.Random(seed + 1)
    log_n = math.log(len(words))

    def word():
        # rank = floor(V^u) for uniform u: P(rank) ~ 1/rank (Zipf, exponent 1)
        return words[min(len(words), int(math.exp(rng.random() * log_n))) - 1]

    for _ in range(n):
        title = " ".join(word() for _ in range(rng.randint(2, 6)))[:50].rstrip()
        description = " ".join(word() for _ in range(rng.randint(3, 9)))[:50].rstrip()
        yield title, description


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("n", type=int, nargs="?", default=0)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--words", default=WORDS)
    p.add_argument("--rank", type=int, default=0)
    a = p.parse_args()
    words = vocabulary(a.words, a.seed)
    out = sys.stdout
    if a.rank:
        out.write(words[a.rank - 1] + "\n")
        return
    for title, description in notes(a.n, words, a.seed):
        out.write("%s\t%s\n" % (title, description))


if __name__ == "__main__":
    main()
