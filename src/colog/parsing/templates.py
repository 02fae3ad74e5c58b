"""Template mining with drain3: one miner per parse, so template ids are shared across files.

A miner's state (clusters and prefix tree) saves as plain JSON, so detection continues the
training's template ids; drain3's own persistence uses jsonpickle, which we do not load.
"""

from __future__ import annotations

import numpy as np
import hashlib
import re

from drain3.drain import Drain, LogCluster, Node
from drain3.masking import LogMasker, MaskingInstruction

from colog.errors import CologError
from colog.parsing.fields import DrainSettings

PARAM = "<*>"
STATE_VERSION = 1
# A whitespace-free run this long is data (a blob, a dump), never a template's word: it becomes a parameter before
# the masks run, so no mask's backtracking ever meets a long run (several presets' masks are quadratic on one).
LONG_TOKEN = 256
_LONG = re.compile(r"(?<!\S)\S{%d,}" % LONG_TOKEN)  # starts only where a token starts: linear


def template_key(text: str) -> int:
    """A template's id: 48 bits of a hash of its text, so one text has one id in every run, process and
    command (Drain's own cluster ids depend on the order lines arrive in). 48 bits stay exact in JSON."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).digest(), "big")


class TemplateMiner:
    """Drain over masked messages; identical masked messages are matched once and cached."""

    def __init__(self, settings: DrainSettings):
        self.settings = settings
        self.drain = Drain(depth=settings.depth, sim_th=settings.sim_th, param_str=PARAM)
        self.masker = LogMasker([MaskingInstruction(p, "*") for p in settings.masks], "<", ">")
        self._cache: dict[str, int] = {}
        self._raw: dict[str, int] = {}  # message -> id: a repeated message skips the masking regexes too

    def add(self, message: str) -> int:
        """Feed one message; return its template (cluster) id."""
        cluster_id = self._raw.get(message)
        if cluster_id is not None:
            return cluster_id
        masked = self._mask(message)
        cluster_id = self._cache.get(masked)
        if cluster_id is None:
            cluster, _ = self.drain.add_log_message(masked)
            cluster_id = cluster.cluster_id
            self._cache[masked] = cluster_id
        self._raw[message] = cluster_id
        return cluster_id

    def match(self, message: str) -> int | None:
        """The template Drain would file `message` under (its own rule: the tree, the similarity threshold),
        without learning from it; None when no template fits."""
        cluster_id = self._raw.get(message)
        if cluster_id is not None:
            return cluster_id
        masked = self._mask(message)
        cluster_id = self._cache.get(masked)
        if cluster_id is not None:
            return cluster_id
        tokens = self.drain.get_content_as_tokens(masked)
        cluster = self.drain.tree_search(self.drain.root_node, tokens, self.drain.sim_th, False)
        return None if cluster is None else cluster.cluster_id

    def describe(self, message: str) -> tuple[str, bool]:
        """(template text, new): the text of the template `message` fits, or, when none does, the message as
        Drain reads it (masked, one space between tokens) as a template of its own, new. Learns nothing."""
        cluster_id = self.match(message)
        if cluster_id is not None:
            return self.template(cluster_id), False
        return " ".join(self.drain.get_content_as_tokens(self._mask(message))), True

    def _mask(self, message: str) -> str:
        """The message as Drain reads it: long runs made parameters, then the format's masks applied."""
        if len(message) >= LONG_TOKEN:
            message = _LONG.sub(PARAM, message)
        return self.masker.mask(message)

    def template(self, cluster_id: int) -> str:
        """The cluster's current template (templates generalise as messages arrive)."""
        return self.drain.id_to_cluster[cluster_id].get_template()

    @property
    def n_templates(self) -> int:
        return len(self.drain.id_to_cluster)

    def to_state(self) -> dict:
        """Settings, clusters and the prefix tree as JSON-ready values."""
        def node(n: Node) -> dict:
            return {"ids": list(n.cluster_ids), "children": {k: node(c) for k, c in n.key_to_child_node.items()}}

        return {"version": STATE_VERSION,
                "settings": {"sim_th": self.settings.sim_th, "depth": self.settings.depth,
                             "masks": list(self.settings.masks)},
                "counter": self.drain.clusters_counter,
                "clusters": [[c.cluster_id, c.size, list(c.log_template_tokens)]
                             for c in self.drain.id_to_cluster.values()],
                "tree": node(self.drain.root_node),
                "seen": self._cache}  # masked message -> id: a cached message skips the tree, so keep them

    @classmethod
    def from_state(cls, state: dict) -> "TemplateMiner":
        """Inverse of `to_state`: the same clusters in the same tree, so matching continues unchanged."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise CologError(f"template state version {state.get('version') if isinstance(state, dict) else None!r}; "
                             f"this colog reads version {STATE_VERSION}")
        try:
            s = state["settings"]
            miner = cls(DrainSettings(float(s["sim_th"]), int(s["depth"]), tuple(s["masks"])))
            for cluster_id, size, tokens in state["clusters"]:
                cluster = LogCluster(tokens, int(cluster_id))
                cluster.size = int(size)
                miner.drain.id_to_cluster[cluster.cluster_id] = cluster
            miner.drain.clusters_counter = int(state["counter"])

            def node(d: dict) -> Node:
                n = Node()
                n.cluster_ids = [int(i) for i in d["ids"]]
                n.key_to_child_node = {k: node(c) for k, c in d["children"].items()}
                return n

            miner.drain.root_node = node(state["tree"])
            miner._cache = {str(k): int(v) for k, v in state["seen"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise CologError(f"template state is malformed ({exc!r})") from exc
        return miner


def fit_templates(messages: list[str], fit: np.ndarray, settings: DrainSettings
                  ) -> tuple[TemplateMiner, np.ndarray, list[str | None]]:
    """A miner fitted on the messages where `fit` is true, in order, and every message's template: see
    `match_templates`; the fitted lines have theirs by construction."""
    miner = TemplateMiner(settings)
    for row in np.flatnonzero(fit):
        miner.add(messages[row])
    return (miner, *match_templates(miner, messages))


def match_templates(miner: TemplateMiner, messages: list[str]) -> tuple[np.ndarray, list[str | None]]:
    """Each message's template id (`template_key` of its template's final text) and text, matched without
    learning: -1 and None where no template of `miner` fits (an unseen template)."""
    clusters = [miner.match(m) for m in messages]
    texts = {c: miner.template(c) for c in set(clusters) - {None}}
    keys = {c: template_key(t) for c, t in texts.items()}
    return (np.array([keys.get(c, -1) for c in clusters], dtype=np.int64), [texts.get(c) for c in clusters])
