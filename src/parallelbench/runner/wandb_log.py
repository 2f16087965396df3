"""Optional Weights & Biases logging of a run's summary (``--wandb``; off by default)."""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .expand import redact


def require_wandb() -> Any:
    """The ``wandb`` module, or a clear error before any work when it is not installed."""
    try:
        import wandb
    except ImportError:
        raise ConfigError("--wandb needs the wandb package (pip install 'parallelbench[wandb]')") from None
    return wandb


def log_summary(spec, table, project: str = "parallelbench") -> None:
    """Log the sweep config and the same summary table that ``parallelbench results`` prints."""
    wandb = require_wandb()
    config = spec.to_dict()
    config["model_options"] = redact(config["model_options"])
    run = wandb.init(project=project, name=spec.name, config=config, reinit=True)
    try:
        run.log({"summary": wandb.Table(dataframe=table.reset_index(drop=True))})
        for row in table.to_dict("records"):
            run.summary[f"{row['task']}/{row['strategy']}/{row['label']}/score"] = row["score"]
    finally:
        run.finish()
