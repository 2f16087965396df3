"""Sweeps, the results store and the ``run``/``results``/``rescore``/``report``/``demo`` commands.

* ``SweepSpec`` / ``load_spec``: what a run covers (CLI flags or a YAML file, compact grids);
* ``expand_units``: the checked list of units (task x decoding configuration);
* ``run_sweep``: run them (local or Ray executor) into a ``ResultsStore`` directory;
* ``rescore``: a store's text-task records scored again with other metric backends, into a
  new store (a run never mixes two backends in one store);
* ``summary_frame`` / ``records_frame``: tables over stored records.
"""
from .._lazy import lazy_exports

# Names are imported on first use: ``parallelbench --help`` must not pay for pandas and torch.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".execute": ["RunOutcome", "describe_units", "pending_work", "run_sweep"],
    ".expand": ["TaskSource", "Unit", "check_decoding", "expand_units", "setting_label"],
    ".records": ["TIMING_FIELDS", "RunAborted", "run_batch", "sample_key", "sample_seed"],
    ".rescore": ["rescore"],
    ".spec": ["StrategyGrid", "SweepSpec", "load_spec", "spec_from_dict"],
    ".store": ["ResultsStore"],
    ".summary": ["export", "format_table", "records_frame", "summary_frame"],
})
