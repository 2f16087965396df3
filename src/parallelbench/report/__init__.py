"""Analysis and reports: the leaderboard metric, the oracle, the task map, plots, Markdown/HTML.

* ``threshold_tps`` / ``headline``: the public leaderboard's headline metric (SPEC 8.2);
* ``strategy_csv`` / ``export_leaderboard``: its ``task,tps,accuracy`` curves and JSON;
* ``oracle_point``: paper Appendix G.2; ``task_map``: Appendix G.1;
* ``build_report``: what ``parallelbench report`` writes;
* ``export_site``: a model's files and ``metadata.json`` entries for the leaderboard site.
"""
from .data import avg_curves, config_table, load_frame, sample_accuracy, wilson_bounds, with_wilson
from .leaderboard import (
    FIXED_K_STRATEGIES, LEADERBOARD_TASKS, THRESHOLDS, avg_points, export_leaderboard, headline,
    is_adaptive, leaderboard_task_id, read_strategy_csv, strategy_csv, threshold_tps, write_headline,
    write_strategy_csv,
)
from .oracle import OraclePoint, oracle_choices, oracle_point
from .render import build_report, markdown_table
from .site import export_site, merge_metadata
from .sweep import sweep_summary
from .taskmap import block_slope, centre_of_mass, task_map

__all__ = [
    "FIXED_K_STRATEGIES", "LEADERBOARD_TASKS", "OraclePoint", "THRESHOLDS", "avg_curves", "avg_points",
    "block_slope", "build_report", "centre_of_mass", "config_table", "export_leaderboard", "export_site",
    "headline", "is_adaptive", "leaderboard_task_id", "load_frame", "markdown_table", "merge_metadata",
    "oracle_choices", "oracle_point", "read_strategy_csv", "sample_accuracy", "strategy_csv", "sweep_summary",
    "task_map", "threshold_tps", "wilson_bounds", "with_wilson", "write_headline", "write_strategy_csv",
]
