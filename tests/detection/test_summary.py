"""The --summary report on a new machine's logs: lines no training template fits still fold into readable rows."""

from colog.detection.summary import Summary
from colog.detection.verdict import Verdict
from colog.parsing.syslog import SyslogFormat
from colog.parsing.templates import TemplateMiner, template_key


def test_new_templates_that_differ_in_host_and_date_are_one_row(shared):
    fmt = SyslogFormat()
    miner = TemplateMiner(fmt.drain)  # a run whose training saw none of these lines
    miner.add("pam_unix(su:session): session opened for user root by (uid=0)")
    log = shared / "loghub-2k" / "Linux" / "Linux_2k.log"
    messages = [fmt.match(line).message for line in log.read_text().splitlines() if " ftpd[" in line
                and ": connection from " in line]
    messages.append("pam_unix(su:session): session opened for user news by (uid=0)")  # fits the training template
    verdicts = []
    for number, message in enumerate(messages, 1):
        text, new = miner.describe(message)
        verdicts.append(Verdict("Linux_2k.log", number, 1, "anomaly", 0.9, template_key(text), template=text,
                                new_template=new, message=message))
    summary = Summary()
    summary.add(verdicts)
    d = summary.to_dict()
    assert len({v.template_id for v in verdicts if v.new_template}) > 50  # to detection, nearly one template a line
    assert d["templates_flagged"] <= 4 and sum(t["count"] for t in d["top_templates"]) == len(verdicts)
    top = d["top_templates"][0]
    assert top["new_template"] and top["template"].startswith("connection from <*> <*> at")
    assert top["template_id"] == template_key(top["template"]) and top["count"] > 100
    known = [t for t in d["top_templates"] if not t["new_template"]]
    assert [(t["count"], t["template_id"]) for t in known] == [(1, verdicts[-1].template_id)]
