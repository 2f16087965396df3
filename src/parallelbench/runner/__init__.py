"""Sweeps, the results store and the ``run``/``results``/``rescore``/``report``/``demo`` commands.

* ``SweepSpec`` / ``load_spec``: what a run covers (CLI flags or a YAML file, compact grids);
* ``expand_units``: the checked list of units (task x decoding configuration);
* ``run_sweep``: run them (local or Ray executor) into a ``ResultsStore`` directory;
* ``rescore``: a store's text-task records scored again with other metric backends, into a
  new store (a run never mixes two backends in one store);
* ``summary_frame`` / ``records_frame``: tables over stored records.
"""
from .execute import RunOutcome, describe_units, pending_work, run_sweep
from .expand import TaskSource, Unit, check_decoding, expand_units, setting_label
from .records import TIMING_FIELDS, RunAborted, run_batch, sample_key, sample_seed
from .rescore import rescore
from .spec import StrategyGrid, SweepSpec, load_spec, spec_from_dict
from .store import ResultsStore
from .summary import export, format_table, records_frame, summary_frame

__all__ = [
    "ResultsStore", "RunAborted", "RunOutcome", "StrategyGrid", "SweepSpec", "TIMING_FIELDS",
    "TaskSource", "Unit", "check_decoding", "describe_units", "expand_units", "export",
    "format_table", "load_spec", "pending_work", "records_frame", "rescore", "run_batch", "run_sweep",
    "sample_key", "sample_seed", "setting_label", "spec_from_dict", "summary_frame",
]
