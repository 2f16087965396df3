"""``run``, ``results``, ``report`` and ``demo`` sub-commands."""
from __future__ import annotations

import argparse
from typing import Any

from ..errors import ConfigError
from .spec import StrategyGrid, SweepSpec, _as_list, _check_grid_value, load_spec


def _csv(value: str) -> list[Any]:
    return _as_list(value, "value list") if "," in value else _as_list([value], "value")


def add_commands(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a sweep (model x tasks x strategies x settings) into a results directory",
                         description="Run a decoding sweep. Grids take comma-separated lists; 'pow2' = 1,2,4,..,M "
                                     "and 'all' = M (one step / one block), M being each task's generation length.")
    run.add_argument("--config", help="sweep YAML (flags given here override its top-level values)")
    run.add_argument("--model", help="model spec, e.g. ideal, mock:reference, hf-dllm:GSAI-ML/LLaDA-1.5")
    run.add_argument("--trust-remote-code", action="store_true",
                     help="allow Hugging Face models that ship their own modelling code (off unless given)")
    run.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                     help="backend option passed to the model, repeatable (e.g. dtype=bfloat16, device=cuda)")
    run.add_argument("--tasks", help="task names or globs, comma-separated (e.g. 'waiting_line/*')")
    run.add_argument("--strategy", help="strategies, comma-separated (e.g. random,confidence-threshold)")
    for flag, what in (("--k", "tokens per step"), ("--steps", "total steps"), ("--block-length", "block lengths"),
                       ("--threshold", "confidence thresholds"), ("--factor", "Fast-dLLM factors")):
        run.add_argument(flag, type=_csv, help=f"{what}, comma-separated")
    run.add_argument("--cache", type=_csv, help="KV-cache modes, comma-separated: none, prefix, dual "
                     "(models with a cache-aware forward; changes results, see docs/decoding.md)")
    run.add_argument("--temperature", type=float)
    run.add_argument("--limit", type=int, help="N samples of each task (see --sampling)")
    run.add_argument("--sampling", choices=("first", "spread"),
                     help="with --limit: the first N samples (default) or N spread evenly over the task")
    run.add_argument("--data-dir", help="official-layout task directory")
    run.add_argument("--max-tokens", type=int, help="generation length (default: each task's)")
    run.add_argument("--seed", type=int)
    run.add_argument("--batch-size", type=int, help="samples per generate call (default 8)")
    run.add_argument("--out", help="results directory (required unless --dry-run)")
    run.add_argument("--dry-run", action="store_true", help="print the expanded units and their count")
    run.add_argument("--executor", default="local", choices=("local", "ray"))
    run.add_argument("--ray-address", help="address of a running Ray cluster (default: start a local one)")
    run.add_argument("--ray-num-gpus", type=float, help="GPUs per Ray worker (default 1 for GPU backends, else 0)")
    from ..metrics.backends import add_backend_flags

    add_backend_flags(run)
    run.add_argument("--require-comparable", action="store_true",
                     help="refuse to start unless the run is comparable with the paper (official data, "
                          "LanguageTool, BERTScore, reference decoding, all samples, greedy)")
    run.add_argument("--fail-fast", action="store_true", help="stop at the first failing sample")
    run.add_argument("--wandb", action="store_true", help="also log the summary to Weights & Biases")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.set_defaults(func=cmd_run)

    res = sub.add_parser("results", help="print the summary table of a results directory")
    res.add_argument("results_dir")
    res.add_argument("--export", choices=("csv", "parquet"), help="also (re)write records.<fmt>")
    res.add_argument("--errors", action="store_true", help="list failed samples and their messages")
    res.set_defaults(func=cmd_results)

    rs = sub.add_parser("rescore", help="score a results directory's stored outputs again with other "
                                         "metric backends, into a new results directory")
    rs.add_argument("results_dir")
    rs.add_argument("--out", required=True, help="new results directory (a run can go on there)")
    add_backend_flags(rs)
    rs.set_defaults(func=cmd_rescore)

    rep = sub.add_parser("report", help="write a Markdown + HTML report (tables, plots, leaderboard files)")
    rep.add_argument("results_dir")
    rep.add_argument("--out", required=True, help="report directory")
    rep.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="ideal model, main strategies, k in {1,2,4,all}: table + report (< 2 min)")
    demo.add_argument("--model", choices=("ideal", "learned"), default="ideal",
                      help="learned: train (first time, cached) a small dLLM on CPU and compare it with the ideal model")
    demo.add_argument("--out", help="output directory (default ./demo-out, ./demo-out-learned)")
    demo.add_argument("--limit", type=int, help="samples per task, spread over list lengths (default 16)")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=cmd_demo)


def _grids_from_flags(args: argparse.Namespace) -> list[StrategyGrid]:
    from ..decoding import get_strategy
    from .expand import NO_STRATEGY

    names = [s.strip() for s in str(args.strategy).split(",") if s.strip()]
    used = {"k": False, "steps": False, "threshold": False, "factor": False}
    grids = []
    for name in names:
        grid: dict[str, list[Any]] = {}
        if name != NO_STRATEGY:
            cls = get_strategy(name)
            if cls.fixed_count:
                for key in ("k", "steps"):
                    if getattr(args, key) is not None:
                        grid[key] = getattr(args, key)
                        used[key] = True
            elif cls.id == "confidence-factor":
                if args.factor is not None:
                    grid["factor"], used["factor"] = args.factor, True
            elif args.threshold is not None:
                grid["threshold"], used["threshold"] = args.threshold, True
            if args.block_length is not None:
                grid["block_length"] = args.block_length
            if getattr(args, "cache", None) is not None:
                grid["cache"] = args.cache
        for key, values in grid.items():
            for value in values:
                _check_grid_value(key, value, f"--{key.replace('_', '-')}")
        grids.append(StrategyGrid([name], grid))
    for key, was_used in used.items():
        if getattr(args, key) is not None and not was_used:
            raise ConfigError(f"--{key} was given but none of the strategies ({', '.join(names)}) uses it")
    return grids


def _model_options(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to a dict; values parsed as YAML scalars (``8`` -> 8, ``true`` -> True)."""
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--model-option expects KEY=VALUE, got {pair!r}")
        try:
            options[key.strip()] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            options[key.strip()] = value
    return options


def spec_from_args(args: argparse.Namespace) -> SweepSpec:
    """A SweepSpec from --config and/or the flags (flags win)."""
    if args.config:
        spec = load_spec(args.config)
    else:
        missing = [f for f, v in (("--model", args.model), ("--tasks", args.tasks), ("--strategy", args.strategy)) if not v]
        if missing:
            raise ConfigError(f"missing {', '.join(missing)} (or give --config FILE)")
        spec = SweepSpec(model=args.model, tasks=[], strategies=[])
    if args.model:
        spec.model = args.model
    spec.model_options = {**spec.model_options, **_model_options(args.model_option)}
    if args.trust_remote_code:
        spec.model_options["trust_remote_code"] = True
    if args.tasks:
        spec.tasks = [str(t) for t in _as_list(args.tasks, "--tasks")]
    if args.strategy:
        spec.strategies = _grids_from_flags(args)
    elif any(getattr(args, k) is not None for k in ("k", "steps", "block_length", "threshold", "factor")):
        raise ConfigError("grid flags (--k, --steps, --block-length, --threshold, --factor) need --strategy")
    for attr in ("temperature", "limit", "data_dir", "max_tokens", "seed", "batch_size", "sampling",
                 "grammar", "languagetool_url", "similarity", "similarity_model"):
        value = getattr(args, attr)
        if value is not None:
            setattr(spec, attr, value)
    from ..metrics.backends import MetricBackends

    MetricBackends.from_spec(spec)
    if spec.limit is not None and spec.limit < 1:
        raise ConfigError("--limit must be >= 1")
    if spec.batch_size < 1:
        raise ConfigError("--batch-size must be >= 1")
    return spec.check()


def cmd_run(args: argparse.Namespace) -> int:
    from .execute import describe_units, run_sweep
    from .summary import format_table
    from .validate import check_out, plan_sweep

    spec = spec_from_args(args)
    if args.dry_run:
        units = plan_sweep(spec)[1]
        if args.require_comparable:  # a dry run answers "would it start?"
            from .comparability import require_comparable
            from .expand import TaskSource

            require_comparable(spec, units, TaskSource(spec))
        print(describe_units(units))
        return 0
    if not args.out:
        raise ConfigError("--out RESULTS_DIR is required")
    check_out(args.out)
    outcome = run_sweep(spec, args.out, executor=args.executor, ray_address=args.ray_address,
                        num_gpus=args.ray_num_gpus, fail_fast=args.fail_fast,
                        progress=not args.no_progress, wandb=args.wandb,
                        require_comparable=args.require_comparable)
    print(format_table(outcome.summary))
    print(f"{outcome.units} units, {outcome.samples} samples: {outcome.skipped} already done, "
          f"{outcome.written} written, {outcome.failed} failed -> {outcome.path}")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from .store import ResultsStore
    from .summary import export, format_table, summary_frame

    from .comparability import format_section

    store = ResultsStore(args.results_dir).open(write=False)
    records, errors = store.records(), store.errors()
    manifest = store.read_manifest()
    print(format_section(manifest.get("comparability")))
    if manifest.get("backends"):
        print("Metric backends: " + "; ".join(f"{k} {', '.join(v)}"
                                              for k, v in sorted(manifest["backends"].items())))
    print()
    print(format_table(summary_frame(records, errors)))
    if args.errors:
        for err in errors:
            print(f"{err['task']} #{err['index']} {err['strategy']} {err['label']}: {err['error']}")
    if args.export:
        for path in export(records, store.path, (args.export,)):
            print(f"wrote {path}")
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from ..metrics.backends import MetricBackends
    from .rescore import rescore

    changed, same = rescore(args.results_dir, args.out, MetricBackends.from_spec(args))
    print(f"{changed} text records re-scored, {same} other records copied -> {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import build_report
    from ..userfiles import output_dir

    output_dir(args.out, "report folder")
    paths = build_report(args.results_dir, args.out)
    for path in paths:
        print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..userfiles import output_dir

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {args.limit}")
    if args.model == "learned":
        from ..learned.demo import run_learned_demo

        out = args.out or "demo-out-learned"
        output_dir(out, "demo folder")
        run_learned_demo(out, limit=args.limit, progress=not args.no_progress)
        return 0
    from .demo import run_demo

    out = args.out or "demo-out"
    output_dir(out, "demo folder")
    run_demo(out, limit=args.limit, progress=not args.no_progress)
    return 0
