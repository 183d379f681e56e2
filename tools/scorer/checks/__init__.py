"""Reward-hack checks: each gives a named :class:`Flag` with its evidence.

Static: ``scan_tree``/``scan_sources`` (a commit's source), ``check_predictions`` (constant or single-class
output), ``check_pgr_above_one`` and ``check_pgr_jump`` (the server runs these two and the prediction check on
every submission). Dynamic: ``teacher_ablation`` through a ``MethodRunner`` and ``verify_top_entries``
(re-execution on fresh seeds, scored on the private split). ``check_experiment`` runs the static scan and the
ablation for one experiment and posts the flags to the scorer.
"""

from tools.scorer.checks.ablation import AblationResult, teacher_ablation
from tools.scorer.checks.experiment import check_experiment
from tools.scorer.checks.flags import Flag
from tools.scorer.checks.pgr import check_pgr_above_one, check_pgr_jump, check_seed_outlier, seed_sd_from_sums
from tools.scorer.checks.predictions import check_predictions
from tools.scorer.checks.runner import InProcessRunner, MethodRunner
from tools.scorer.checks.source_scan import scan_sources, scan_tree
from tools.scorer.checks.verify import git_materializer, verify_top_entries

__all__ = [
    "AblationResult", "Flag", "InProcessRunner", "MethodRunner", "check_experiment", "check_pgr_above_one",
    "check_pgr_jump", "check_predictions", "check_seed_outlier", "git_materializer", "scan_sources", "scan_tree", "seed_sd_from_sums",
    "teacher_ablation", "verify_top_entries",
]
