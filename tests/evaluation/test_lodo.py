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


def test_the_largest_error_groups_a_message_by_the_tokens_the_model_reads(tmp_path):
    import csv

    from colog.evaluation.lodo import error_rows, largest_error

    run = tmp_path / "on-nssal-s3"
    run.mkdir()
    with (run / "errors.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "line", "label", "predicted", "confidence", "anomaly_score", "unseen", "message"])
        w.writerows([["syslog", i, "normal", "anomaly", 0.9, 0.9, "true", f"sd 2:0:0:{i}: [sdb] ASC=0x{i}"]
                     for i in range(3)])  # one message to the model: only digits differ
        w.writerows([["auth.log", 9, "anomaly", "normal", 0.9, 0.1, "true", "su: authentication failure"]] * 2)
        w.writerow(["auth.log", 10, "normal", "anomaly", 0.9, 0.9, "true", "su: authentication failure"])
    assert largest_error(run / "errors.csv") == {"errors": 6, "lines": 3, "message": "sd 2:0:0:0: [sdb] ASC=0x0",
                                                 "kind": "false alarm"}
    metrics = {"test": {"n": 12, "macro_f1": 0.5}}
    rows = error_rows({"nssal": [(3, metrics)], "casper": [(3, metrics)]}, tmp_path)  # casper: no errors.csv
    assert len([r for r in rows if r.startswith("| nssal | 3 | 0.5000 | 6 |")]) == 1 and "| casper |" not in "".join(rows)
    assert "(false alarm) | 3 (25.0% of the held-out lines)" in rows[2] and "on nssal, seed 3" in rows[-1]
    assert error_rows({"casper": [(3, metrics)]}, tmp_path) == []


def test_an_option_is_compared_with_the_recipe_on_the_seeds_both_have(tmp_path):
    import json

    from colog.evaluation.lodo import option_rows

    def fold(where, seed, f1, options, scored="on"):
        run = where / f"{scored}-nssal-s{seed}"
        run.mkdir(parents=True)
        (run / "metrics.json").write_text(json.dumps({"options": options, "test": {"macro_f1": f1}}))

    assert option_rows(tmp_path) == []  # no variant run: no table
    for seed, f1 in ((3, 0.62), (4, 0.92), (5, 0.91)):
        fold(tmp_path, seed, f1, "--hidden 128")
    variant = tmp_path / "with" / "unk-dropout-0.1"
    for seed, f1 in ((3, 0.88), (4, 0.91)):  # seed 5 not run yet: left out of both columns
        fold(variant, seed, f1, "--hidden 128 --unk-dropout 0.1")
    rows = option_rows(tmp_path)
    assert len(rows) == 3 and rows[2].startswith("| nssal | with `--unk-dropout 0.1` | 3, 4 | 0.7700 ± ")
    assert "**0.8950 ± 0.0212**" in rows[2] and "| +0.1250 ± 0.1909 | – |" in rows[2]
    # the same folds' models on the validation system, where the option was chosen: on the seeds both have
    for seed, f1 in ((3, 0.42), (4, 0.51)):
        fold(tmp_path, seed, f1, "--hidden 128", scored="valid")
    fold(variant, 3, 0.49, "--hidden 128 --unk-dropout 0.1", scored="valid")
    assert option_rows(tmp_path)[2].endswith("| +0.1250 ± 0.1909 | 0.4200 (1 seed) → 0.4900 (1 seed) (seeds 3) |")
    fold(variant, 4, 0.50, "--hidden 128 --unk-dropout 0.1", scored="valid")
    assert option_rows(tmp_path)[2].endswith("| 0.4650 ± 0.0636 → 0.4950 ± 0.0071 |")


def test_a_variant_says_how_its_options_differ_from_the_recipe():
    from colog.evaluation.lodo import option_changes

    recipe = "--unk-dropout 0.1 --hidden 128 --ffn 512"
    assert option_changes(recipe, "--hidden 128 --ffn 512") == "without `--unk-dropout 0.1`"  # trained with 0
    assert option_changes(recipe, "--current-line --unk-dropout 0.2 --hidden 128 --ffn 512") == (
        "with `--current-line`, `--unk-dropout 0.2` for `--unk-dropout 0.1`")
    assert option_changes(recipe, recipe) == "the same options"


def test_the_room_under_a_ceiling_is_the_last_wrong_line_that_keeps_the_target():
    import numpy as np

    from colog.evaluation.lodo import room
    from colog.evaluation.metrics import classification_metrics

    def scored(false_alarms, misses):  # 900 normal lines, 100 anomalous of which 5 the labels never show
        truth = np.r_[np.zeros(900), np.ones(100)].astype(int)
        guess = truth.copy()
        guess[:false_alarms] = 1
        guess[900:905 + misses] = 0
        return classification_metrics(truth, guess, ["normal", "anomaly"])["macro_f1"]

    r = room(900, 95, 5)
    assert scored(r["false_alarms"], 0) >= 0.95 > scored(r["false_alarms"] + 1, 0)
    assert scored(0, r["misses"]) >= 0.95 > scored(0, r["misses"] + 1)
    assert room(900, 80, 20) is None  # the ceiling itself is below the target
