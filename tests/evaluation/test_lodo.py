"""The keyword labels' ceiling on leave-one-dataset-out, on the bundled casper slice split into three "machines"."""

from colog.evaluation.lodo import shown_terms_ceiling
from colog.labeling import parse_rule
from colog.parsing import ParseConfig, parse_paths


def test_a_held_out_line_is_missed_only_when_none_of_its_terms_fires_elsewhere(bundled):
    table = parse_paths([bundled / "casper"], ParseConfig(format="syslog", year=2008), progress=False).table
    fired = parse_rule("keywords-substring:@colog-reference").fired(table)
    files = table["file"].to_pylist()
    machines = {"auth": [f for f, name in zip(fired, files) if name.startswith("auth")],
                "daemon": [f for f, name in zip(fired, files) if name.startswith("daemon")],
                "kernel": [f for f, name in zip(fired, files) if not name.startswith(("auth", "daemon"))]}
    assert all(any(f) for f in machines.values())  # each "machine" has anomalous lines
    ceiling = shown_terms_ceiling(machines)
    for name, lines in machines.items():
        c = ceiling[name]
        assert c["n"] == len(lines) and c["n_anomalies"] == sum(bool(f) for f in lines)
        assert 0 < c["n_unshown"] <= c["n_anomalies"] and c["macro_f1"] < 1.0
        others = set().union(*(f for other, ls in machines.items() if other != name for f in ls))
        assert all(term not in others for term, _ in c["top_unshown"])
    # a machine whose twin is among the others: every term it fires is shown, nothing is out of reach
    twin = shown_terms_ceiling(machines | {"copy": machines["auth"]})["copy"]
    assert twin["n_unshown"] == 0 and twin["macro_f1"] == 1.0
