"""The collaborative transformer: impressed attention, modality adaptation, balancing layer."""

from colog.lazy import exports
from colog.model.config import CoLogConfig, ConfigError

__all__ = ["BalancingLayer", "CoLog", "CoLogConfig", "ConfigError", "Glimpses", "ImpressedLayer", "MeanFusion",
           "ModalityAdaptation", "nonempty"]

__getattr__ = exports(__name__, {"BalancingLayer": "balancing", "MeanFusion": "balancing", "CoLog": "collaborative",
                                 "Glimpses": "adaptation", "ModalityAdaptation": "adaptation",
                                 "ImpressedLayer": "attention", "nonempty": "attention"})
