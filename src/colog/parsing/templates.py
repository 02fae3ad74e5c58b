"""Template mining with drain3: one miner per parse, so template ids are shared across files."""

from __future__ import annotations

from drain3.drain import Drain
from drain3.masking import LogMasker, MaskingInstruction

from colog.parsing.fields import DrainSettings

PARAM = "<*>"


class TemplateMiner:
    """Drain over masked messages; identical masked messages are matched once and cached."""

    def __init__(self, settings: DrainSettings):
        self.settings = settings
        self.drain = Drain(depth=settings.depth, sim_th=settings.sim_th, param_str=PARAM)
        self.masker = LogMasker([MaskingInstruction(p, "*") for p in settings.masks], "<", ">")
        self._cache: dict[str, int] = {}

    def add(self, message: str) -> int:
        """Feed one message; return its template (cluster) id."""
        masked = self.masker.mask(message)
        cluster_id = self._cache.get(masked)
        if cluster_id is None:
            cluster, _ = self.drain.add_log_message(masked)
            cluster_id = cluster.cluster_id
            self._cache[masked] = cluster_id
        return cluster_id

    def template(self, cluster_id: int) -> str:
        """The cluster's current template (templates generalise as messages arrive)."""
        return self.drain.id_to_cluster[cluster_id].get_template()

    @property
    def n_templates(self) -> int:
        return len(self.drain.id_to_cluster)
