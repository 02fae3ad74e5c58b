"""The collaborative transformer: impressed attention, modality adaptation, balancing layer."""

from colog.model.adaptation import Glimpses, ModalityAdaptation
from colog.model.attention import ImpressedLayer, nonempty
from colog.model.balancing import BalancingLayer, MeanFusion
from colog.model.collaborative import CoLog, CoLogConfig, ConfigError

__all__ = ["BalancingLayer", "CoLog", "CoLogConfig", "ConfigError", "Glimpses", "ImpressedLayer", "MeanFusion",
           "ModalityAdaptation", "nonempty"]
