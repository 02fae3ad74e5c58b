"""Detection on a small real run (bundled casper logs): same scores as evaluation, stream == batch, bad lines."""

import json
import shutil

import numpy as np
import pytest

from colog.cli.main import main
from colog.detection import DetectConfig, Detector
from colog.detection.lines import file_lines


def all_lines(folder):
    return [line for path in sorted(folder.iterdir()) if path.name != "SOURCE"
            for line in file_lines(path, path.name)]


def run_session(detector, lines, chunk):
    session = detector.session()
    out, previous = [], None
    for lo in range(0, len(lines), chunk):
        part = lines[lo:lo + chunk]
        for line in part:  # end a file when the next one starts, as `colog detect` does
            if previous is not None and line.file != previous:
                out += session.feed(part[:part.index(line)])
                out += session.end_file(previous)
                part = part[part.index(line):]
            previous = line.file
        out += session.feed(part)
    return out + session.close()


def test_detection_scores_lines_as_evaluation_does(casper_run, bundled, run_scores):
    """Same probabilities and template ids as the run's own scoring of the same lines."""
    data, _, probs = run_scores(casper_run)
    row = {key: i for i, key in enumerate(zip(data.table["file"].to_pylist(), data.table["line"].to_pylist()))}
    templates = data.table["template_id"].to_pylist()
    verdicts = run_session(Detector.load(casper_run), all_lines(bundled / "casper"), 1024)
    scored = [v for v in verdicts if v.cls != "unparsed"]
    assert len(scored) == len(row)
    index = np.array([row[(v.file, v.line)] for v in scored])
    assert np.allclose([v.probability for v in scored], 1 - probs[index, 0], atol=1e-4)
    assert [v.label for v in scored] == list((probs[index].argmax(1) != 0).astype(int))
    # the training templates as evaluation matched them; a line none fits (-1 there) is a new template
    texts = data.table["template"].to_pylist()
    assert [v.new_template for v in scored] == [templates[i] < 0 for i in index] and any(v.new_template for v in scored)
    seen = [(v, i) for v, i in zip(scored, index) if templates[i] >= 0]
    assert [(v.template_id, v.template) for v, _ in seen] == [(templates[i], texts[i]) for _, i in seen]
    assert not {v.template_id for v in scored if v.new_template} & set(templates)


def test_stream_and_batch_give_identical_verdicts(casper_run, bundled):
    lines = [line for line in all_lines(bundled / "casper") if line.line <= 200]  # five files, so four ends
    batch = run_session(Detector.load(casper_run), lines, 4096)
    stream = run_session(Detector.load(casper_run), lines, 1)
    decisions = lambda vs: [(v.file, v.line, v.label, v.cls, v.template_id, v.matched) for v in vs]  # noqa: E731
    assert decisions(stream) == decisions(batch)
    # probabilities agree up to float rounding (a batch of 1 and of 4,096 take different BLAS paths)
    assert np.allclose([v.probability for v in stream], [v.probability for v in batch], atol=1e-5)
    assert [(v.file, v.line) for v in batch] == [(l.file, l.line) for l in lines]  # in order, one per line


def test_context_lines_wait_for_the_next_line(casper_run, bundled):
    detector = Detector.load(casper_run)
    lines = all_lines(bundled / "casper")[:3]
    session = detector.session()
    assert session.feed(lines[:1]) == []  # context:1 needs the line after
    first = session.feed(lines[1:2])
    assert [v.line for v in first] == [1]
    assert [v.line for v in session.close()] == [2]


def test_bad_lines_get_a_verdict_each(casper_run, write_log, tmp_path):
    good = "Nov 16 00:05:34 ubuntu kernel: [ 27.1] usb 1-1: new high speed USB device using ehci_hcd\n"
    content = (good.encode() + b"\n" + b"\x00\x01\x02\xff\xfe\x80" * 30 + b"\n" + b"x" * (10 << 20) + b"\n"
               + "caf\xe9 latin-1 byte\n".encode("latin-1") + good.encode())
    path = write_log("kern.log", content)
    verdicts = list(Detector.load(casper_run).detect(file_lines(path, "kern.log")))
    assert [v.line for v in verdicts] == [1, 2, 3, 4, 5, 6]
    assert [v.cls == "unparsed" for v in verdicts] == [False, True, True, True, False, False]
    assert [v.reason for v in verdicts[1:4]] == ["blank", "binary", "too long"]
    assert verdicts[0].probability is not None and verdicts[4].template_id is not None


def test_python_api_takes_plain_strings(casper_run, bundled):
    text = (bundled / "casper" / "auth.log").read_text().splitlines()[:20]
    verdicts = list(Detector.load(casper_run).detect(text))
    assert len(verdicts) == 20 and all(0.0 <= v.probability <= 1.0 for v in verdicts)
    assert {v.cls for v in verdicts} <= {"normal", "anomaly"}


def test_explanations_give_each_word_and_window_line_a_signed_change(casper_run, bundled):
    lines = all_lines(bundled / "casper")[:10]
    verdicts = list(Detector.load(casper_run).detect(lines, DetectConfig(explain=True, threshold=1e-6)))
    middle = verdicts[5]
    e = middle.explanation
    assert e["probability"] == middle.probability and e["words"] and e["lines"]
    changes = [w["change"] for w in e["words"]]
    assert changes == sorted(changes) and all(-1.0 <= c <= 1.0 for c in changes)  # the most lowering first
    assert {n["offset"] for n in e["lines"]} <= {-1, 1}  # the line itself is no window line
    quiet = list(Detector.load(casper_run).detect(lines, DetectConfig(explain=True, threshold=1.0)))
    assert all(v.explanation is None for v in quiet)  # only flagged lines are explained


def test_detect_command_writes_jsonl_and_csv(casper_run, bundled, tmp_path, capsys):
    out = tmp_path / "v.jsonl"
    assert main(["detect", str(casper_run), str(bundled / "casper" / "auth.log"), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(list(file_lines(bundled / "casper" / "auth.log", "auth.log")))
    assert {"file", "line", "label", "class", "probability", "template_id"} <= set(rows[0])
    assert "detect: " in capsys.readouterr().err
    csv_out = tmp_path / "v.csv"
    assert main(["detect", str(casper_run), str(bundled / "casper" / "auth.log"), "-o", str(csv_out),
                 "--explain"]) == 0
    lines = csv_out.read_text().splitlines()
    assert lines[0].startswith("file,line,label,class,probability,template_id") and len(lines) == len(rows) + 1


@pytest.mark.parametrize("damage, message", [
    ("model", "missing: model.safetensors"),
    ("version", "format version 99"),
    ("weights", "does not load"),
    ("templates", "missing: templates.json"),
])
def test_detect_rejects_a_broken_run_directory(casper_run, bundled, tmp_path, capsys, damage, message):
    broken = tmp_path / "broken"
    shutil.copytree(casper_run, broken)
    if damage == "model":
        (broken / "model.safetensors").unlink()
    elif damage == "version":
        config = json.loads((broken / "config.json").read_text())
        (broken / "config.json").write_text(json.dumps(config | {"format_version": 99}))
    elif damage == "weights":
        (broken / "model.safetensors").write_bytes(b"\x00" * 100)
    else:
        (broken / "templates.json").unlink()
    out = tmp_path / "v.jsonl"
    code = main(["detect", str(broken), str(bundled / "casper" / "auth.log"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_detect_bad_inputs(casper_run, bundled, tmp_path, write_log, capsys):
    binary = write_log("blob.log", b"\x7fELF" + bytes(range(256)) * 10)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "README").write_text("These are not logs.\nNor is this line.\n")
    cases = [
        ([str(binary)], "binary file"),
        ([str(notes), "-o", str(tmp_path / "none.jsonl")], "no log lines to detect on"),
        ([str(tmp_path / "missing.log")], "no such file"),
        ([str(bundled / "casper" / "auth.log"), "-o", str(tmp_path / "v.txt")], "unknown output type"),
        ([str(bundled / "casper" / "auth.log"), "--threshold", "0"], "threshold"),
    ]
    for argv, message in cases:
        code = main(["detect", str(casper_run), *argv])
        err = capsys.readouterr().err
        assert code != 0 and message in err and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "none.jsonl").exists()


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_fast_precisions_agree_with_fp32(casper_run, bundled, precision):
    lines = all_lines(bundled / "casper")[:600]
    fp32 = list(Detector.load(casper_run).detect(lines))
    fast = list(Detector.load(casper_run, precision=precision).detect(lines))
    assert np.allclose([v.probability for v in fp32], [v.probability for v in fast], atol=0.05)
    assert sum(a.label != b.label for a, b in zip(fp32, fast)) <= 3


def test_a_verdict_says_where_when_and_what(casper_run, bundled):
    log = bundled / "casper" / "auth.log"
    verdicts = list(Detector.load(casper_run).detect(file_lines(log, "auth.log")))
    first = verdicts[0].to_dict()
    assert first["host"] == "ubuntu" and first["component"] == "gdm" and first["timestamp"].endswith("-12-28T13:11:46")
    assert first["message"] == "pam_unix(gdm-autologin:session): session opened for user ubuntu by (uid=0)"
    assert all(0.0 <= v.oov <= 1.0 for v in verdicts)
    odd = list(Detector.load(casper_run).detect(["Jan  1 00:00:00 ubuntu su[1]: zyxwv qwrtp failure"],
                                                file="auth.log"))[0]
    assert odd.oov == round(2 / 3, 4) and odd.new_template  # zyxwv and qwrtp are no word of the training logs


def test_summary_folds_repeats_and_fail_on_anomaly_sets_the_exit_code(casper_run, bundled, tmp_path, capsys):
    logs = bundled / "casper"
    md, js = tmp_path / "s.md", tmp_path / "s.json"
    code = main(["detect", str(casper_run), str(logs), "-o", str(tmp_path / "v.jsonl"), "--summary", str(js),
                 "--fail-on-anomaly"])
    rows = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    summary = json.loads(js.read_text())
    flagged = [r for r in rows if r["label"]]
    assert code == (1 if flagged else 0) and summary["flagged"] == len(flagged) > 0 and summary["lines"] == len(rows)
    assert summary["templates_flagged"] == len({r["template_id"] for r in flagged})
    top = summary["top_templates"]
    assert [t["count"] for t in top] == sorted((t["count"] for t in top), reverse=True) and len(top) <= 20
    assert sum(h["count"] for h in summary["top_hosts"]) == len(flagged)  # one host in these logs
    per_file = {f["file"]: (f["flagged"], f["lines"]) for f in summary["top_files"]}
    assert per_file == {name: (sum(r["label"] for r in rows if r["file"] == name),
                               sum(r["file"] == name for r in rows)) for name in {r["file"] for r in flagged}}
    assert main(["detect", str(casper_run), str(logs / "auth.log"), "-o", "/dev/null", "--summary", str(md),
                 "--threshold", "1.0", "--fail-on-anomaly"]) == 0  # nothing reaches P = 1: exit 0
    assert md.read_text().startswith("# colog detect: 0 of 194 lines flagged")
    capsys.readouterr()
    assert main(["detect", str(casper_run), str(logs), "--summary", str(tmp_path / "s.txt")]) == 2
    assert "name a .md or .json file" in capsys.readouterr().err


def test_detect_says_where_a_missing_year_came_from_and_takes_one(casper_run, write_log, tmp_path, capsys):
    log = write_log("auth.log", "Dec 31 23:59:59 ubuntu su[1]: pam_unix(su:session): session opened for user root\n"
                                "Jan  1 00:00:01 ubuntu su[1]: pam_unix(su:session): session closed for user root\n")
    out = tmp_path / "v.jsonl"
    assert main(["detect", str(casper_run), str(log), "-o", str(out)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "modification time" in line]
    assert len(warned) == 1 and "(auth.log: " in warned[0] and "--year" in warned[0]
    assert main(["detect", str(casper_run), str(log), "-o", str(out), "--year", "2008"]) == 0
    assert "modification time" not in capsys.readouterr().err
    stamps = [json.loads(line)["timestamp"] for line in out.read_text().splitlines()]
    assert stamps == ["2008-12-31T23:59:59", "2009-01-01T00:00:01"]  # the file rolls into the next year
    assert main(["detect", str(casper_run), str(log), "-o", str(out), "--year", "0"]) == 2
    err = capsys.readouterr().err
    assert "year 0 is outside 1-9999" in err and "Traceback" not in err


def test_a_file_unlike_the_training_logs_is_said_to_be_so_once(casper_run, bundled, shared, tmp_path, capsys):
    ssh = shared / "loghub-2k" / "OpenSSH" / "OpenSSH_2k.log"
    summary = tmp_path / "s.json"
    assert main(["detect", str(casper_run), str(ssh), "-o", "/dev/null", "--summary", str(summary)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "unlike the model's training logs" in line]
    assert len(warnings) == 1 and "words are unknown" in warnings[0] and "'openssh'" in warnings[0]
    signals = json.loads(summary.read_text())["files_unlike_training"]["OpenSSH_2k.log"]
    assert signals["oov_share"] > 0.3 and signals["file_type_known"] is False
    # the run's own kind of logs: no warning
    assert main(["detect", str(casper_run), str(bundled / "casper" / "auth.log"), "-o", "/dev/null"]) == 0
    assert "unlike the model's training logs" not in capsys.readouterr().err


def test_the_service_says_what_the_model_knows(casper_run):
    from colog.detection.service import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app(Detector.load(casper_run))) as client:
        knows = client.get("/v1/model").json()["knows"]
        body = client.post("/v1/detect", json={"lines": ["Jan  1 00:00:00 h sshd[1]: zzqx wqvv"], "file": "x.log"})
    assert "auth" in knows["file_types"] and knows["thresholds"]["oov_share"] == 0.3
    assert body.json()["familiarity"]["x.log"] == {"lines": 1, "oov_share": 1.0, "new_template_share": 1.0,
                                                   "file_type_known": False}


def test_without_a_run_directory_the_bundled_model_detects_and_says_so(bundled, tmp_path, capsys):
    out = tmp_path / "v.jsonl"
    assert main(["detect", str(bundled / "casper" / "auth.log"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "using the bundled model linux-syslog" in err and "unlike the model's training logs" not in err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 194 and all(r["probability"] is not None for r in rows)
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "linux-syslog" and listed[0]["megabytes"] <= 15 and "auth" in listed[0]["file_types"]


def test_a_red_hat_secure_log_is_read_as_the_auth_log_it_is(bundled, tmp_path, capsys):
    """/var/log/secure (rotated secure-YYYYMMDD) is Red Hat's auth.log: same keyword list, same source token."""
    import shutil

    from colog.labeling import parse_rule
    from colog.parsing import ParseConfig, parse_paths

    secure = tmp_path / "secure-20081229"
    shutil.copy(bundled / "casper" / "auth.log", secure)
    verdicts = {}
    for path in (bundled / "casper" / "auth.log", secure):
        out = tmp_path / f"{path.name}.jsonl"
        assert main(["detect", str(path), "-o", str(out), "--year", "2008"]) == 0
        assert "none the model was trained on" not in capsys.readouterr().err
        verdicts[path.name] = [(r["line"], r["probability"]) for r in map(json.loads, out.read_text().splitlines())]
    assert verdicts["secure-20081229"] == verdicts["auth.log"]
    rule = parse_rule("keywords-substring:@colog-reference")
    fired = [rule.fired(parse_paths([p], ParseConfig(format="syslog", year=2008), progress=False).table)
             for p in (bundled / "casper" / "auth.log", secure)]
    assert fired[0] == fired[1] and any(fired[1])  # the auth list labels it, not the catch-all


def test_an_explanation_names_the_labelling_keyword_first():
    """A line the keyword rule labels by one word: removing that word lowers P(anomalous) the most."""
    from colog.labeling import parse_rule

    detector = Detector.load("linux-syslog")
    line = "Dec 29 05:24:21 ubuntu su[8595]: FAILED su for root by ubuntu"
    rule = parse_rule("keywords-substring:@colog-reference")
    import pyarrow as pa

    assert rule.apply(pa.table({"file": ["auth.log"], "message": ["FAILED su for root by ubuntu"]}))[0] == 1
    verdict = list(detector.detect([line], DetectConfig(explain=True), file="auth.log"))[0]
    assert verdict.label == 1 and verdict.explanation["words"][0]["word"] == "failed"
    assert verdict.explanation["words"][0]["change"] < 0  # removing it lowers P(anomalous)
