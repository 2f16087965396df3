"""``ParallelBenchLM``: every backend of ours as the lm-eval model ``parallelbench``.

``generate_until`` builds one ``GenerationRequest`` per lm-eval request and calls our backend:

* for our tasks (documents with ``pb_sample``) the request is exactly the one ``run`` sends
  (``runner.records.make_request``: the sample's messages, its seed from the base seed, task and
  index, the task's generation length), so the answers are ``run``'s answers;
* for any other ``generate_until`` task the context is the user message (or the messages, when
  lm-eval applies a chat template through ``apply_chat_template``), the seed comes from the task
  name and document id, the length from ``max_gen_toks`` and the answer is cut at the first
  ``until`` string, as lm-eval's own models do.

Each answer is a ``str`` carrying the decoding statistics in ``.pb`` (NFE, tokens per step,
decoding order, ...); ``decoding_log`` keeps them per (task, document) so ``harness.attach``
can add them to lm-eval's logged samples. Log-likelihood requests are refused: a masked
diffusion sampler has no left-to-right likelihood to report.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from lm_eval.api.model import LM

from ..errors import ConfigError, ParallelBenchError
from ..models import get_model
from ..runner.expand import Unit, setting_label
from ..runner.records import _generate, make_request
from ..tasks.sample import Sample
from .args import parse_model_args, request_decoding

CHAT_MARK = "<|parallelbench-messages|>"
DEFAULT_MAX_GEN = 256  # lm-eval's default for generate_until
# Decoding logs of the models created in this process, for ``harness.attach`` (the model object
# itself is created and dropped inside ``simple_evaluate``).
_LOGS: list[dict] = []
# lm-eval's command line fills in ``device="cuda:0"`` when ``--device`` is not given; the
# ``parallelbench lm-eval`` wrapper sets this while such a run is on, so that default is dropped
# and each backend picks its own device (a CPU machine then runs on the CPU).
LM_EVAL_DEFAULT_DEVICE = "cuda:0"
drop_default_device = False


class Answer(str):
    """A generated answer; ``.pb`` holds its decoding statistics."""

    pb: dict[str, Any]

    def __reduce__(self):  # keep the statistics through lm-eval's response cache
        return (_answer, (str(self), self.pb))


def _answer(text: str, pb: dict[str, Any]) -> Answer:
    out = Answer(text)
    out.pb = pb
    return out


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


class ParallelBenchLM(LM):
    """See the module docstring. Constructed by lm-eval from ``--model_args``."""

    @classmethod
    def create_from_arg_string(cls, arg_string: str, additional_config: dict | None = None):
        from lm_eval.utils import simple_parse_args_string

        return cls.create_from_arg_obj(simple_parse_args_string(arg_string), additional_config)

    @classmethod
    def create_from_arg_obj(cls, arg_dict: dict[str, Any], additional_config: dict | None = None):
        """``--model_args`` win over lm-eval's own ``--device``/``--batch_size`` (lm-eval would
        pass both and fail on the duplicate keyword); lm-eval's default device is dropped when
        the user did not ask for one (``drop_default_device``)."""
        extra = {k: v for k, v in (additional_config or {}).items()
                 if v is not None and k not in arg_dict}
        if drop_default_device and extra.get("device") == LM_EVAL_DEFAULT_DEVICE:
            del extra["device"]
        return cls(**arg_dict, **extra)

    def __init__(self, **kwargs: Any):
        super().__init__()
        self.args = parse_model_args(kwargs)
        self.backend = get_model(self.args.spec, **self.args.options)
        self.decoding_log: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        _LOGS.append(self.decoding_log)

    # -- lm-eval interface -------------------------------------------------------------------
    def loglikelihood(self, requests: list) -> list:
        raise ParallelBenchError(
            "parallelbench: loglikelihood requests are not supported for masked diffusion decoding "
            "(there is no left-to-right likelihood); use generate_until tasks")

    def loglikelihood_rolling(self, requests: list) -> list:
        return self.loglikelihood(requests)

    @property
    def tokenizer_name(self) -> str:
        return f"parallelbench:{self.args.spec}"

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return "backend" if chat_template else ""

    def apply_chat_template(self, chat_history: list[dict[str, str]],
                            add_generation_prompt: bool = True) -> str:
        """The messages themselves (the backend applies its own template, as in ``run``)."""
        if not add_generation_prompt:
            raise ConfigError("parallelbench: an assistant prefix (gen_prefix) is not supported")
        return CHAT_MARK + json.dumps(list(chat_history), ensure_ascii=False)

    def generate_until(self, requests: list, disable_tqdm: bool = False) -> list[str]:
        from tqdm.auto import tqdm

        prepared = [self._prepare(r) for r in requests]
        self._check(prepared)
        out: list[str] = []
        size = self.args.batch_size
        bar = tqdm(total=len(prepared), desc="parallelbench", disable=disable_tqdm, file=sys.stderr)
        try:
            for start in range(0, len(prepared), size):
                chunk = prepared[start:start + size]
                gens = _generate(self.backend, [p["request"] for p in chunk])
                for req, p, gen in zip(requests[start:start + size], chunk, gens):
                    out.append(self._finish(req, p, gen))
                bar.update(len(chunk))
        finally:
            bar.close()
        return out

    # -- helpers -------------------------------------------------------------------------------
    def _check(self, prepared: list[dict[str, Any]]) -> None:
        """The loaded backend's own check (``ModelAPI.check``) of each task's settings, before
        the first generation (as ``run`` does)."""
        check = getattr(self.backend, "check", None)
        seen: set[str] = set()
        for p in prepared if callable(check) else []:
            req = p["request"]
            key = json.dumps([p["task"], req.decoding, req.max_tokens], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                check(req)

    def _prepare(self, req: Any) -> dict[str, Any]:
        context, gen_kwargs = req.args[0], dict(req.args[1] or {})
        doc = req.doc if isinstance(req.doc, dict) else {}
        max_tokens = int(self.args.max_tokens or gen_kwargs.get("max_gen_toks")
                         or gen_kwargs.get("max_tokens") or DEFAULT_MAX_GEN)
        temperature = self.args.temperature
        if temperature is None:
            temperature = float(gen_kwargs.get("temperature") or 0.0) if gen_kwargs.get("do_sample") else 0.0
        decoding, setting = request_decoding(self.args.decoding, max_tokens, temperature)
        if "pb_sample" in doc:  # one of our tasks: the request `run` sends
            sample = Sample(**json.loads(doc["pb_sample"]))
            task, index = doc["pb_task"], int(doc["pb_index"])
        else:
            sample, task, index = None, req.task_name or "lm-eval", int(req.doc_id or 0)
        unit = Unit(task, self.args.strategy, decoding, setting, max_tokens, temperature, 0)
        if sample is not None:
            request = make_request(unit, sample, self.args.seed)
        else:
            request = make_request(unit, _Context(index, _messages(context)), self.args.seed)
            request.sample = None
        return {"request": request, "unit": unit, "task": task, "index": index,
                "until": [s for s in (gen_kwargs.get("until") or []) if s]}

    def _finish(self, req: Any, p: dict[str, Any], gen: Any) -> Answer:
        if isinstance(gen, BaseException) or getattr(gen, "error", None):
            message = str(gen if isinstance(gen, BaseException) else gen.error).splitlines()
            raise ParallelBenchError(f"{p['task']} #{p['index']}: generation failed: "
                                     f"{message[0] if message else type(gen).__name__}")
        text = gen.text
        for stop in p["until"]:
            text = text.split(stop)[0]
        unit, request = p["unit"], p["request"]
        stats = {
            "model": self.args.spec, "task": p["task"], "index": p["index"],
            "strategy": unit.strategy, "setting": unit.setting, "label": setting_label(unit.setting),
            "decoding": unit.decoding, "max_tokens": unit.max_tokens,
            "temperature": unit.temperature, "seed": request.seed,
            "nfe": _plain(gen.nfe), "tokens_per_step": _plain(gen.tokens_per_step),
            "order": _plain(gen.order), "output_tokens": gen.output_tokens,
            "token_ids": _plain(gen.token_ids), "wall_time": gen.wall_time,
            "latency": gen.latency, "usage": gen.usage, "raw_output": gen.text,
        }
        doc_key = json.dumps(req.doc, sort_keys=True, default=str)
        self.decoding_log.setdefault((req.task_name, doc_key), {})[int(req.doc_id or 0)] = stats
        answer = _answer(text, stats)
        self.cache_hook.add_partial("generate_until", req.args, answer)
        return answer


class _Context:
    """Stand-in sample for a foreign task's request (index and messages only)."""

    def __init__(self, index: int, messages: list[dict[str, str]]):
        self.index, self.messages = index, messages


def _messages(context: Any) -> list[dict[str, str]]:
    text = str(context)
    if text.startswith(CHAT_MARK):
        return [dict(m) for m in json.loads(text[len(CHAT_MARK):])]
    return [{"role": "user", "content": text}]


def take_logs() -> list[dict]:
    """The decoding logs of the models created since the last call (and forget them)."""
    logs = list(_LOGS)
    _LOGS.clear()
    return logs
