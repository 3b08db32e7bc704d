"""Batched generation with a causal LM: chat template applied, left padding, KV cache, greedy by default.

Small on purpose: ``gener1 annotate`` (retries, resume, claim checking) and the teachers build on it.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .constrain import GeneListProcessor, SymbolLists

Prompt = "str | list[dict]"  # a plain user message, or chat messages [{"role": ..., "content": ...}, ...]


def render_prompt(tokenizer, prompt) -> str:
    """The text the model sees for one prompt: its chat template with the assistant turn opened."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    # Base models without a template (e.g. Gemma 270M base): a plain transcript ending where the answer starts.
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n\n".join(lines) + "\n\nAssistant:"


def _shared_prefix(rows: list[list[int]]) -> int:
    """Length of the token prefix every row shares (system prompt + instructions)."""
    if not rows:
        return 0
    first, n = rows[0], min(len(r) for r in rows)
    for i in range(n):
        if any(r[i] != first[i] for r in rows):
            return i
    return n


#: A row shorter than this fraction of its batch's longest row starts a new batch. Rows are padded to the
#: longest, and prefill dominates on a CPU: one 500-gene prompt (~2,500 tokens) among 19 prompts of ~300 own
#: tokens made every row pay ~8x its own prefill. A smaller batch costs little by comparison (decode steps
#: are cheap next to that prefill).
MIN_BATCH_FILL = 0.5


def plan_batches(lengths: Sequence[int], batch_size: int, min_fill: float = MIN_BATCH_FILL) -> list[list[int]]:
    """Row indices in batches: longest first, at most ``batch_size`` rows, each row at least ``min_fill`` of
    its batch's first (longest) row."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < max(1, batch_size) and lengths[i] >= min_fill * lengths[batches[-1][0]]:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def generate(model, tokenizer, prompts: Sequence, *, max_new_tokens: int = 256, batch_size: int = 8, seed: int = 0,
             do_sample: bool = False, temperature: float = 1.0, top_p: float = 1.0, progress: bool = False,
             prefix_cache: bool = True, answer_prefix: str | Sequence[str] = "", min_fill: float = MIN_BATCH_FILL,
             stop_at: Callable[[str], int | None] | None = None,
             on_step: Callable[[float], None] | None = None,
             gene_lists: Sequence[Sequence[str] | None] | None = None) -> list[str]:
    """Generate one completion per prompt and return the decoded new text (special tokens removed), in order.

    Prompts are sorted by length and batched by ``plan_batches`` so each batch pads little; the output keeps
    the input order. Greedy decoding is deterministic; with ``do_sample`` the seed fixes the samples for a
    given batch layout.

    ``prefix_cache``: every gener1 prompt starts with the same system message and instructions (~300
    tokens). Their key/value cache is computed once and shared by every row of every batch, so prefill
    only pays for each set's own evidence and genes. Rows are laid out ``[prefix][padding][own tokens]``;
    position ids come from the attention mask, so each row's own tokens continue right after the prefix.

    ``stop_at``: given a row's text so far, the offset to cut it at, or None to go on. A row stops generating
    as soon as it returns an offset (the batch stops when every row has), and its text is cut there.

    ``on_step(fraction)``: called at every decode step with the share of the prompts done so far (rows of finished
    batches, plus the running batch's rows weighted by its steps out of ``max_new_tokens``), so a progress bar can
    move while a long batch decodes.

    ``answer_prefix``: text the answer is opened with (one for every prompt, or one per prompt); it is part of the
    returned text.

    ``gene_lists``: per prompt, the gene symbols its reasoning steps may open with (``model.constrain``): the gene
    list after each ``<think>`` is decoded from these symbols only. None (or None for a prompt): free decoding.
    """
    import torch
    from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

    openings = [answer_prefix] * len(prompts) if isinstance(answer_prefix, str) else list(answer_prefix)
    if len(openings) != len(prompts):
        raise ValueError(f"{len(openings)} answer prefixes for {len(prompts)} prompts")
    if gene_lists is not None and len(gene_lists) != len(prompts):
        raise ValueError(f"{len(gene_lists)} gene lists for {len(prompts)} prompts")
    symbol_tables = SymbolLists.for_tokenizer(tokenizer) if gene_lists is not None and any(gene_lists) else None
    texts = [render_prompt(tokenizer, p) + o for p, o in zip(prompts, openings)]
    if not texts:
        return []
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    gen_config = GenerationConfig(max_new_tokens=max_new_tokens, do_sample=do_sample, eos_token_id=eos,
                                  pad_token_id=pad, use_cache=True,
                                  **({"temperature": temperature, "top_p": top_p} if do_sample else {}))
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    lengths = [len(r) for r in ids]
    # Keep at least one own token per row: generation starts from the last real token.
    n_prefix = min(_shared_prefix(ids), min(lengths) - 1) if prefix_cache and len(texts) > 1 else 0
    outputs: list[str | None] = [None] * len(texts)

    # Padding is paid on each row's own tokens (the shared prefix is computed once).
    batches = plan_batches([n - n_prefix for n in lengths], batch_size, min_fill)
    if progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc="generating", unit="batch")
    was_training = model.training
    old_side = tokenizer.padding_side
    model.eval()
    tokenizer.padding_side = "left"  # generation continues from the right edge of every row
    try:
        torch.manual_seed(seed)
        prefix = None
        if n_prefix > 0:
            prefix_ids = torch.tensor([ids[0][:n_prefix]], device=model.device)
            with torch.inference_mode():
                prefix = model(input_ids=prefix_ids, use_cache=True).cache  # `.past_key_values` logs a deprecation
        finished_rows = 0
        for idx in batches:
            if prefix is None:
                enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
                enc = {k: v.to(model.device) for k, v in enc.items()}
                cache = None
            else:
                enc, cache = _with_prefix(prefix, [ids[i] for i in idx], n_prefix, pad, model.device)
            start = enc["input_ids"].shape[1]
            criteria = []
            if stop_at is not None:
                criteria.append(_StopAt(tokenizer, stop_at, start, [openings[i] for i in idx]))
            if on_step is not None:
                criteria.append(_Heartbeat(on_step, finished_rows, len(idx), len(texts), start, max_new_tokens))
            stopping = StoppingCriteriaList(criteria) if criteria else None
            processors = (LogitsProcessorList([GeneListProcessor(symbol_tables, [gene_lists[i] for i in idx], start)])
                          if symbol_tables is not None else None)
            with torch.inference_mode():
                # `cache=` is the name generate() takes from transformers 5.24 (`past_key_values=` warned per batch)
                out = model.generate(**enc, cache=cache, generation_config=gen_config,
                                     stopping_criteria=stopping, logits_processor=processors)
            for i, row in zip(idx, out[:, start:]):
                text = openings[i] + tokenizer.decode(row, skip_special_tokens=True)
                cut = stop_at(text) if stop_at is not None else None
                outputs[i] = (text if cut is None else text[:cut]).strip()
            finished_rows += len(idx)
            if on_step is not None:
                on_step(finished_rows / len(texts))
    finally:
        tokenizer.padding_side = old_side
        model.train(was_training)
    return outputs  # type: ignore[return-value]


class _StopAt:
    """A per-row stopping criterion for ``model.generate``: a row is done once ``stop_at`` finds a cut in its
    text so far. Every unfinished row is decoded at every step: benchmarks/stop_repeats.py replays that check
    over 16 full-length answers in 0.05 s, 0.07% of their generation time, so nothing cleverer is needed."""

    def __init__(self, tokenizer, stop_at: Callable[[str], int | None], start: int, openings: list[str]):
        self.tokenizer, self.stop_at, self.start, self.openings = tokenizer, stop_at, start, openings
        self.done: set[int] = set()

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        flags = []
        for j, row in enumerate(input_ids):
            if j not in self.done:
                text = self.openings[j] + self.tokenizer.decode(row[self.start:], skip_special_tokens=True)
                if self.stop_at(text) is not None:
                    self.done.add(j)
            flags.append(j in self.done)
        return torch.tensor(flags, dtype=torch.bool, device=input_ids.device)


class _Heartbeat:
    """A stopping criterion that never stops: it reports how far the prompts have got after every decode step."""

    def __init__(self, on_step: Callable[[float], None], finished: int, rows: int, total: int, start: int,
                 max_new_tokens: int):
        self.on_step, self.finished, self.rows, self.total = on_step, finished, rows, total
        self.start, self.max_new_tokens = start, max_new_tokens

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        steps = input_ids.shape[1] - self.start
        self.on_step((self.finished + self.rows * min(1.0, steps / self.max_new_tokens)) / self.total)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


def _with_prefix(prefix, rows: list[list[int]], n_prefix: int, pad: int, device):
    """Inputs ``[prefix][left padding][own tokens]`` and a copy of the prefix cache for every row."""
    import copy

    import torch

    width = max(len(r) for r in rows) - n_prefix
    input_ids = torch.full((len(rows), n_prefix + width), pad, dtype=torch.long)
    mask = torch.zeros_like(input_ids)
    for j, row in enumerate(rows):
        own = row[n_prefix:]
        input_ids[j, :n_prefix] = torch.tensor(row[:n_prefix])
        input_ids[j, n_prefix + width - len(own):] = torch.tensor(own)
        mask[j, :n_prefix] = 1
        mask[j, n_prefix + width - len(own):] = 1
    cache = copy.deepcopy(prefix)
    cache.batch_repeat_interleave(len(rows))
    return {"input_ids": input_ids.to(device), "attention_mask": mask.to(device)}, cache
