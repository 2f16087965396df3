"""``lm-eval-path``, ``lm-eval``, ``import`` and ``export`` sub-commands (see docs/lm-eval.md)."""
from __future__ import annotations

import argparse

from ..errors import ConfigError, DataError

EXPORT_FORMATS = ("lm-eval", "leaderboard")


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lm-eval-path", help="write our lm-eval task YAMLs and print their folder "
                       "(for lm_eval --include_path)")
    p.add_argument("--data-dir", help="tasks from this folder (official files or a 'generate' output) "
                   "instead of the built-in ones")
    p.add_argument("--out", help="write the YAMLs here (default: a cache folder)")
    p.set_defaults(func=cmd_path)

    # prefix_chars="+": every argument, --flags included, goes to lm-eval untouched.
    p = sub.add_parser("lm-eval", prefix_chars="+", add_help=False,
                       help="lm-eval's command line with the 'parallelbench' model and our tasks, "
                            "e.g. parallelbench lm-eval --model parallelbench --model_args "
                            "model=ideal,strategy=confidence-topk,k=2 --tasks parallelbench")
    p.add_argument("lm_eval_args", nargs="*")
    p.set_defaults(func=cmd_lm_eval)

    p = sub.add_parser("import", help="read lm-eval results (results JSON + samples JSONL) into a results directory")
    p.add_argument("results_dir", help="an lm-eval output folder (searched recursively)")
    p.add_argument("--out", required=True, help="results directory to add the records to")
    p.add_argument("--metric", help="the score of tasks without a 'score' metric (default: their first metric)")
    p.add_argument("--filter", dest="filter_name", help="lm-eval filter to read (default: each task's first)")
    p.add_argument("--model", help="model name to record (default: from the results file)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write a results directory as lm-eval results or leaderboard site files")
    p.add_argument("results_dir")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--layout", default="lm-eval", choices=("lm-eval", "reference"),
                   help="lm-eval: lm-eval's own folders; reference: the ParallelBench reference's")
    p.add_argument("--model", help="leaderboard: which model of the results (when there are several)")
    p.add_argument("--model-id", help="leaderboard: the site's model id (default: from the model spec)")
    p.add_argument("--display-name", help="leaderboard: the model's name on the site")
    p.add_argument("--family", help="leaderboard: model family id (e.g. llada, dream)")
    p.add_argument("--url", help="leaderboard: link for the model")
    p.add_argument("--metadata", help="leaderboard: the site's metadata.json to extend "
                   "(default: OUT/data/metadata.json if present)")
    p.set_defaults(func=cmd_export)


def cmd_path(args: argparse.Namespace) -> int:
    from .yamls import write_task_folder

    print(write_task_folder(args.data_dir, args.out))
    return 0


def cmd_lm_eval(args: argparse.Namespace) -> int:
    try:
        from .harness import main
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "lm_eval":
            raise ConfigError("lm-eval is not installed: pip install 'parallelbench[lm-eval]'") from None
        raise
    return main(args.lm_eval_args)


def cmd_import(args: argparse.Namespace) -> int:
    from ..runner.store import ResultsStore
    from ..runner.summary import format_table, summary_frame
    from .io_read import import_results

    read, written, files = import_results(args.results_dir, args.out, metric=args.metric,
                                          filter_name=args.filter_name, model=args.model)
    store = ResultsStore(args.out).open(write=False)
    print(format_table(summary_frame(store.records(), store.errors())))
    print(f"{len(files)} results files, {read} samples read, {written} new records -> {store.path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "lm-eval":
        from .io_write import export_lm_eval

        paths = export_lm_eval(args.results_dir, args.out, layout=args.layout)
    else:
        paths = _export_site(args)
    for path in paths:
        print(f"wrote {path}")
    return 0


def _export_site(args: argparse.Namespace) -> list:
    from ..report.data import config_table, load_frame
    from ..report.site import export_site

    table = config_table(load_frame(args.results_dir))
    models = sorted(table["model"].unique())
    if not models:
        raise DataError(f"{args.results_dir!r} has no records to export")
    model = args.model or (models[0] if len(models) == 1 else None)
    if model not in models:
        raise ConfigError(f"give --model, one of: {', '.join(models)}")
    model_id = args.model_id or "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    return export_site(table[table["model"] == model], args.out, model_id,
                       display_name=args.display_name, family=args.family, url=args.url,
                       metadata=args.metadata)
