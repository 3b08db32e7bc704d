"""Issue 29, items 3 and 6: can the language model learn the choice with a reward-driven round? One round of offline
DPO on the shipped adapter, on pairs of candidate names from the reward-labelled candidates corpus, then the
held-out preference accuracy and (with `gener1 annotate --no-chooser --mode candidates`) held-out ROUGE-L.

Pairs (train split only; the own term is never a candidate): the compact candidates prompt of a set, then
"Process: <name>" for the best candidate by the corpus reward (chosen) and for a worse one (rejected): top-1 when
top-1 is not the best (the model should leave it), else the highest-ranked candidate whose reward is lower by at
least MARGIN (the model should keep top-1). Half of each kind.

Why a loop of our own and not TRL's DPOTrainer: the trainer appends an end token (EOS, or the chat template's
<|im_end|>) to every completion, which here would teach the model to stop right after the name, before its
confidence and reasoning. The loss is TRL's sigmoid DPO loss on the name tokens only; the reference is the same
adapter, frozen (its log-probabilities computed once, before training).

Run (~14 min on 2 threads; a killed run resumes from OUT/checkpoint, saved every --checkpoint-every steps, when
started again with the same arguments):
  python scripts/lm_choice_dpo.py --corpus runs/cands_go.jsonl --task runs/task_go.jsonl --out runs/lm_dpo
then score the 100 held-out GO:BP sets with the new adapter and the shipped one:
  gener1 annotate gobp100.tsv -o runs/lm_dpo/ann --model runs/lm_dpo/adapter --no-chooser --mode candidates \
      --name-only --hold-out-own-term --library GO_BP --no-report
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

MARGIN = 0.2


def pairs_from_corpus(corpus: Path, task: Path, split: str, n: int, seed: int) -> list[dict]:
    from gener1_tool.enrichment.candidates import CandidateList
    from gener1_tool.genes.geneset import GeneSet
    from gener1_tool.io import iter_jsonl
    from gener1_tool.reasoning.prompts import CANDIDATES_MODE, build_prompt

    genes = {str(r["id"]): r["genes"] for _, r in iter_jsonl(task)}
    leave, keep = [], []
    for _, row in iter_jsonl(corpus):
        if row.get("split") != split or row.get("contamination") or len(row["reward"]) < 2:
            continue
        rew = row["reward"]
        best = max(range(len(rew)), key=rew.__getitem__)
        if best != 0 and rew[best] - rew[0] >= MARGIN:
            leave.append((row, best, 0))
        elif best == 0:
            worse = [j for j in range(1, len(rew)) if rew[0] - rew[j] >= MARGIN]
            if worse:
                keep.append((row, 0, worse[0]))
    rng = random.Random(seed)
    rng.shuffle(leave)
    rng.shuffle(keep)
    chosen = leave[: n // 2] + keep[: n - n // 2]
    rng.shuffle(chosen)
    out = []
    for row, good, bad in chosen:
        clist = CandidateList.from_dict(row["list"])
        gs = GeneSet(id=str(row["id"]), genes=list(genes[str(row["id"])]), source="task")
        names = clist.names()
        out.append({"id": row["id"], "prompt": build_prompt(gs, mode=CANDIDATES_MODE, candidates=clist),
                    "chosen": names[good], "rejected": names[bad], "leave_top1": good != 0,
                    "reward_gap": round(row["reward"][good] - row["reward"][bad], 4)})
    return out


def encode(tokenizer, pair: dict) -> tuple[list[int], list[int], list[int]]:
    prefix = tokenizer.apply_chat_template(pair["prompt"], add_generation_prompt=True, tokenize=False) + "Process:"
    p = tokenizer(prefix, add_special_tokens=False)["input_ids"]
    c = tokenizer(" " + pair["chosen"], add_special_tokens=False)["input_ids"]
    r = tokenizer(" " + pair["rejected"], add_special_tokens=False)["input_ids"]
    return p, c, r


def name_logps(model, p: list[int], completions: list[list[int]]):
    """Sum of log-probabilities of each completion's tokens after the prompt (right-padded batch)."""
    import torch

    seqs = [p + c for c in completions]
    L = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), L, dtype=torch.long)
    att = torch.zeros(len(seqs), L, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        att[i, : len(s)] = 1
    logits = model(input_ids=ids, attention_mask=att).logits[:, :-1].float()
    logp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    out = []
    for i, c in enumerate(completions):
        start = len(p) - 1  # position predicting the first completion token
        out.append(logp[i, start: start + len(c)].sum())
    return torch.stack(out)


def main() -> None:
    import torch
    import torch.nn.functional as F

    from gener1_tool.annotation.config import default_model
    from gener1_tool.model import load as base

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, type=Path, help="gener1 corpus candidates JSONL (own-branch GO)")
    ap.add_argument("--task", required=True, type=Path, help="the task-alignment JSONL it was built from (genes)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--model", default=None, help="adapter to continue (default: the shipped one)")
    ap.add_argument("--pairs", type=int, default=160)
    ap.add_argument("--heldout-pairs", type=int, default=80, help="validation-split pairs for held-out accuracy")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint-every", type=int, default=40, help="steps between resumable checkpoints (0: none)")
    ap.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)  # tests: a run killed after N steps
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    t0 = time.time()
    train = pairs_from_corpus(args.corpus, args.task, "train", args.pairs, args.seed)
    held = pairs_from_corpus(args.corpus, args.task, "validation", args.heldout_pairs, args.seed)
    checkpoint = args.out / "checkpoint"
    state = torch.load(checkpoint / "state.pt", weights_only=False) if (checkpoint / "state.pt").exists() else None
    run_key = {"pairs": [p["id"] for p in train], "heldout": [p["id"] for p in held], "beta": args.beta, "lr": args.lr,
               "epochs": args.epochs, "seed": args.seed, "model": args.model}
    if state is not None and state["run_key"] != run_key:
        raise SystemExit(f"{checkpoint} belongs to a run with other arguments or pairs; remove it to start afresh")
    model, tok = base.load_model(str(checkpoint / "adapter") if state else (args.model or default_model()),
                                 trainable_adapter=True, threads=args.threads)
    enc_train = [encode(tok, p) for p in train]
    enc_held = [encode(tok, p) for p in held]

    def reference(encoded):
        model.eval()
        with torch.no_grad():
            return [name_logps(model, p, [c, r]) for p, c, r in encoded]

    def heldout_margins(encoded, ref):  # per pair: the policy's chosen-minus-rejected gain over the reference
        model.eval()
        margins = []
        with torch.no_grad():
            for (p, c, r), rf in zip(encoded, ref):
                lp = name_logps(model, p, [c, r])
                margins.append(float(((lp[0] - rf[0]) - (lp[1] - rf[1]))))
        raw = [float(x[0] - x[1]) for x in ref]
        return margins, raw

    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    if state is None:
        ref_train, ref_held = reference(enc_train), reference(enc_held)
        # Before training, the policy is the reference: its own preference is the raw log-prob gap.
        log = {"pairs": len(train), "heldout_pairs": len(held),
               "leave_top1_share": sum(p["leave_top1"] for p in train) / len(train),
               "before": {"heldout_prefers_chosen": sum(float(x[0] > x[1]) for x in ref_held) / len(held),
                          "train_prefers_chosen": sum(float(x[0] > x[1]) for x in ref_train) / len(train)},
               "steps": []}
        step, window = 0, []
    else:  # the reference is the adapter the run started from, kept in the checkpoint, not the one loaded now
        ref_train, ref_held, log, step, window = (state[k] for k in ("ref_train", "ref_held", "log", "step", "window"))
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        log["resumed_at_steps"] = log.get("resumed_at_steps", []) + [step]
        print(json.dumps({"resumed_at_step": step}), flush=True)

    def save_checkpoint():  # written beside, then swapped in: a kill while saving leaves the previous one
        work = args.out / "checkpoint.partial"
        shutil.rmtree(work, ignore_errors=True)
        model.save_pretrained(str(work / "adapter"))
        tok.save_pretrained(str(work / "adapter"))
        torch.save({"run_key": run_key, "ref_train": ref_train, "ref_held": ref_held, "log": log, "step": step,
                    "window": window, "optimizer": opt.state_dict(), "rng": torch.get_rng_state()}, work / "state.pt")
        shutil.rmtree(checkpoint, ignore_errors=True)
        work.rename(checkpoint)

    total = len(train) * args.epochs
    for epoch in range(args.epochs):
        order = list(range(len(train)))
        random.Random(args.seed + epoch).shuffle(order)
        for position, i in enumerate(order):
            if epoch * len(train) + position < step:
                continue  # done before the checkpoint this run resumed from
            model.train()
            p, c, r = enc_train[i]
            lp = name_logps(model, p, [c, r])
            margin = (lp[0] - ref_train[i][0]) - (lp[1] - ref_train[i][1])
            loss = -F.logsigmoid(args.beta * margin)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            window.append((loss.item(), float(margin.item() > 0), args.beta * margin.item()))
            if step % 20 == 0 or step == len(train) * args.epochs:
                n = len(window)
                entry = {"step": step, "loss": round(sum(w[0] for w in window) / n, 4),
                         "reward_accuracy": round(sum(w[1] for w in window) / n, 3),
                         "reward_margin": round(sum(w[2] for w in window) / n, 4), "seconds": round(time.time() - t0)}
                log["steps"].append(entry)
                print(json.dumps(entry), flush=True)
                window = []
            if args.checkpoint_every and step % args.checkpoint_every == 0 and step < total:
                save_checkpoint()
            if args.stop_after is not None and step >= args.stop_after:
                return
    margins, raw = heldout_margins(enc_held, ref_held)
    after = [m + r for m, r in zip(margins, raw)]  # the trained policy's own chosen-minus-rejected log-prob gap
    log["after"] = {"heldout_prefers_chosen": sum(float(x > 0) for x in after) / len(held),
                    "heldout_reward_accuracy": sum(float(m > 0) for m in margins) / len(held),
                    "heldout_prefers_chosen_leave_top1": _share([x > 0 for x, p in zip(after, held) if p["leave_top1"]]),
                    "heldout_prefers_chosen_keep_top1": _share([x > 0 for x, p in zip(after, held) if not p["leave_top1"]])}
    log["before"]["heldout_prefers_chosen_leave_top1"] = _share([float(x[0] > x[1]) for x, p in zip(ref_held, held) if p["leave_top1"]])
    log["before"]["heldout_prefers_chosen_keep_top1"] = _share([float(x[0] > x[1]) for x, p in zip(ref_held, held) if not p["leave_top1"]])
    log["seconds"] = round(time.time() - t0)
    model.save_pretrained(str(args.out / "adapter"))
    tok.save_pretrained(str(args.out / "adapter"))
    base.make_adapter_portable(args.out / "adapter")
    (args.out / "dpo_report.json").write_text(json.dumps(log, indent=2) + "\n")
    shutil.rmtree(checkpoint, ignore_errors=True)
    print(json.dumps({k: v for k, v in log.items() if k != "steps"}, indent=2))


def _share(flags: list) -> float | None:
    return round(sum(map(float, flags)) / len(flags), 3) if flags else None


if __name__ == "__main__":
    main()
