"""Labeling: point labels by rule, window labels, the 4-class task."""

from colog.labeling.collective import (CLASSES, WindowSpec, four_class, group_ids, window_index,
                                       window_labels)
from colog.labeling.labeler import label_counts, label_table
from colog.labeling.rules import RULE_SYNTAX, LabelRule, parse_rule

__all__ = ["CLASSES", "RULE_SYNTAX", "LabelRule", "WindowSpec", "four_class", "group_ids", "label_counts",
           "label_table", "parse_rule", "window_index", "window_labels"]
