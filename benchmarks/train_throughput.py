"""Training throughput at the paper's defaults: colog's data path next to the reference code's way.

    python benchmarks/train_throughput.py [PATH --dataset NAME] [--steps 40] [--ceiling]
                                          [--layers 2 --heads 4 --hidden 256 --ffn 2048 --dropout 0.1]

Both use the same network (the paper's: T=2, 4 heads, d=256, FFN 2048; or the sizes given, as `colog train`
takes them), batch 32 and the fused Adam `Trainer.fit` builds, on the same training split. colog: dynamic
padding, window vectors gathered by message id per batch, one step per distinct (input, label). Reference
way (NasirzadehMoh/CoLog): tokens and windows padded to 60 rows, every line's window vectors copied per line,
every line trained. Lines/s counts training lines covered per second of an epoch.

`--ceiling` adds where the speed stops on this CPU: fp32 and bf16 matrix products at the FFN's shape,
the network trained in fp32 and wholly in bf16 on the same batches (an upper bound for any
mixed-precision scheme: no casts, no fp32 master weights), and a profile of an fp32 step; always the paper's
network.
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from colog.config import SIZES, ExperimentConfig
from colog.experiment.prepare import fit_inputs, load_data
from colog.model import CoLog, CoLogConfig
from colog.training import TrainConfig, Trainer

MATMULS = ("aten::mm", "aten::addmm", "aten::bmm")


def reference_batch(inputs, rows: np.ndarray, width: int = 60):
    """The reference's tensors: (B, 60) tokens and (B, 60, 384) windows, vectors copied per line."""
    tokens = np.zeros((len(rows), width), dtype=np.int64)
    tmask = np.zeros((len(rows), width), dtype=bool)
    window = np.zeros((len(rows), width, inputs.vectors.shape[1]), dtype=np.float32)
    wmask = np.zeros((len(rows), width), dtype=bool)
    for b, row in enumerate(rows):  # per-line Python work, as the reference's data loader does
        ids, mask = inputs.tokens.batch(inputs.message_ids[[row]])
        n = int(mask.sum())
        tokens[b, :n], tmask[b, :n] = ids[0, :n], True
        for j, src in enumerate(r for r in inputs.window[row] if r >= 0):
            window[b, j] = inputs.vectors[inputs.message_ids[src]].copy()
            wmask[b, j] = True
    return tokens, tmask, window, wmask


def matmul_gflops(dtype: torch.dtype, rows: int = 240, n: int = 200) -> float:
    """(rows, 256) @ (256, 2048): the FFN's first product for a batch of 32 lines of ~7 tokens."""
    a, w = torch.randn(rows, 256, dtype=dtype), torch.randn(256, 2048, dtype=dtype)
    for _ in range(5):
        a @ w
    start = time.perf_counter()
    for _ in range(n):
        a @ w
    return 2 * rows * 256 * 2048 * n / (time.perf_counter() - start) / 1e9


def stepper(vectors: torch.Tensor, batch, labels: torch.Tensor, dtype: torch.dtype = torch.float32,
            net: CoLogConfig = CoLogConfig()):
    """A function that trains one batch of rows, the whole network in `dtype`; `batch(rows)` gives the four
    input arrays (colog's `ModelInputs.batch`, or `reference_batch`)."""
    model = CoLog(net, vectors).to(dtype).train()
    opt = Trainer(TrainConfig()).optimizer(model)  # the optimizer `Trainer.fit` builds

    def step(rows: np.ndarray) -> None:
        tokens, tmask, window, wmask = (torch.from_numpy(a) for a in batch(rows))
        logits = model(tokens, tmask, window.to(dtype), wmask).float()
        loss = torch.nn.functional.cross_entropy(logits, labels[rows])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def items_per_second(step, batches: list[np.ndarray]) -> float:
    for rows in batches[:10]:  # warm-up
        step(rows)
    start = time.perf_counter()
    for rows in batches[10:]:
        step(rows)
    return sum(len(b) for b in batches[10:]) / (time.perf_counter() - start)


def ceiling(inputs, train: np.ndarray, vectors: torch.Tensor, labels: torch.Tensor, steps: int = 60) -> None:
    """Prints the matmul rates, fp32 against bf16 training, and an fp32 step's profile (see the module doc)."""
    trainer, rng = Trainer(TrainConfig()), np.random.default_rng(0)
    items = trainer.items(inputs, labels.numpy(), train)  # the batches `Trainer.fit` steps on
    batches = trainer.batches(rng.permutation(items), inputs, rng)
    batches = (batches * (1 + (steps + 10) // len(batches)))[:steps + 10]
    print(f"matmul (240, 256) @ (256, 2048): fp32 {matmul_gflops(torch.float32):.0f} GFLOP/s, "
          f"bf16 {matmul_gflops(torch.bfloat16):.0f} GFLOP/s")
    rates = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16), ("fp32 again", torch.float32)):
        torch.manual_seed(0)
        rates[name] = items_per_second(stepper(vectors, inputs.batch, labels, dtype), batches)
        print(f"training, whole network in {name}: {rates[name]:.0f} distinct inputs/s")
    print(f"bf16 / fp32 (mean of the two fp32 runs): "
          f"{2 * rates['bf16'] / (rates['fp32'] + rates['fp32 again']):.2f}x")
    step = stepper(vectors, inputs.batch, labels)
    for rows in batches[:10]:
        step(rows)
    profiled = batches[10:30]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for rows in profiled:
            step(rows)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in MATMULS)
    print(f"fp32 step: {sum(e.count for e in events) / len(profiled):,.0f} operator calls, "
          f"{total / len(profiled) / 1e3:.0f} ms, {matmul / total:.0%} of it in matrix products")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(Path(str(resources.files("colog") / "data" / "casper"))))
    ap.add_argument("--dataset", default="casper")
    ap.add_argument("--steps", type=int, default=40, help="steps timed for the reference way")
    ap.add_argument("--ceiling", action="store_true", help="also print where the speed stops (module doc)")
    paper = CoLogConfig()
    for size in SIZES:
        default = getattr(paper, size)
        ap.add_argument(f"--{size}", type=type(default), default=default, help=f"as colog train (the paper: {default})")
    args = ap.parse_args()
    net = replace(paper, **{size: getattr(args, size) for size in SIZES})
    torch.set_num_threads(2)
    config = ExperimentConfig(paths=[args.path], dataset=args.dataset, year=2008)
    data = load_data(config, progress=False)
    fitted = fit_inputs(data, config, progress=False)
    vectors, inputs, train = torch.from_numpy(fitted.word_vectors), fitted.inputs, fitted.train_rows
    labels = torch.from_numpy(data.labels)

    model = CoLog(net, vectors)
    trainer = Trainer(TrainConfig(epochs=1, patience=99), progress=False)
    history = trainer.fit(model, inputs, data.labels, train, lambda m: (0.0, 0.0))
    ours = history.passes * len(train) / history.train_seconds
    distinct = history.lines_seen // history.passes  # per pass

    step = stepper(vectors, lambda rows: reference_batch(inputs, rows), labels, net=net)
    order = np.random.default_rng(0).permutation(train)
    start = time.perf_counter()
    for i in range(args.steps):
        step(order[i * 32:(i + 1) * 32])
    reference = args.steps * 32 / (time.perf_counter() - start)
    per_line_mb = 60 * inputs.vectors.shape[1] * 4 * len(train) / 2**20
    print(f"dataset {args.dataset}: {len(train):,} training lines, {distinct:,} distinct inputs, "
          f"{len(inputs.vectors):,} unique messages; network T={net.layers}, {net.heads} heads, d={net.hidden}, "
          f"FFN {net.ffn}")
    print("| data path | training lines/s | window memory |")
    print("|---|---|---|")
    print(f"| colog (dynamic padding, gathered by id, distinct inputs) | {ours:,.0f} | "
          f"{inputs.vectors.nbytes / 2**20:.1f} MB vectors + {inputs.window.nbytes / 2**20:.2f} MB ids |")
    print(f"| reference way (padded to 60, per-line copies, every line) | {reference:,.0f} | "
          f"{per_line_mb:,.0f} MB if materialised |")
    print(f"speed-up: {ours / reference:.1f}x; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.ceiling:
        ceiling(inputs, train, vectors, labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
