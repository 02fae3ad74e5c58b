"""The shared real logs the results pages report: each dataset's folder under shared/data, in the order
scripts/reproduce_results.sh runs them (smallest first), and the three the bundled model is built from.

One table for the Python pages and the shell scripts (`python -m colog.evaluation.corpus` prints it for bash).
"""

from __future__ import annotations

SHARED_DATA = {"honey7": "honeynet-challenge7", "casper": "casper-rw", "zookeeper": "zookeeper-20k",
               "bgl": "bgl-20k", "spark": "spark-40k", "nssal": "dfrws-2009-nssal", "hadoop": "hadoop"}
# the bundled model's datasets (keyword-labelled Linux system logs), each held out in turn by leave-one-out
SYSLOG_FAMILY = {name: SHARED_DATA[name] for name in ("casper", "nssal", "honey7")}


def bash_arrays() -> str:
    """`declare` lines for the scripts: DATA (name -> folder), ORDER (names in run order), FAMILY."""
    folders = " ".join(f"[{name}]={folder}" for name, folder in SHARED_DATA.items())
    return (f"declare -A DATA=({folders})\nORDER=({' '.join(SHARED_DATA)})\n"
            f"FAMILY=({' '.join(SYSLOG_FAMILY)})")


if __name__ == "__main__":
    print(bash_arrays())
