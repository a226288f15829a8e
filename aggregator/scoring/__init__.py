"""The open-government scorecard (docs/scorecard.md): indicators per institution
computed from the snapshot, with their evidence, and each dataset's metadata
quality. `aggregator.score` runs it; the site renders what it wrote."""

from .method import Method, MethodError, quality_check_from
from .quality import Quality, QualityCheck, missing_text

__all__ = ["Method", "MethodError", "Quality", "QualityCheck", "missing_text",
           "quality_check_from"]
