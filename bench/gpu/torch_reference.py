#!/usr/bin/env python3
"""PyTorch reference for Ember's GPU device check (bin/lib/gpu-check run OUT).

Runs sentence-transformers' all-MiniLM-L6-v2 architecture -- a 6-layer BERT (hidden 384, 12 heads,
FFN 1536, GELU, 512 positions, vocab 30522), mean pooling over the attention mask, then L2
normalisation -- on the same pre-tokenized corpus (.gpu/corpus-ids.bin, written by GpuPrepare) and
the same batch plans as dev.ember.bench.gpu.Throughput, each batch cut into chunks and padded to
the captured sizes as Ember's level-3 wrapper does: eager fp32 and eager fp16 (autocast) as
baselines, then torch.compile(mode="reduce-overhead", which replays CUDA graphs) at each precision
the device check runs Ember at: fp32 (TF32 off), tf32 (TF32 matmuls), fp16 and bf16 (autocast).
Every compiled mode starts from a reset Dynamo cache, so one mode's guards never decide another's.

The weights are seeded random (torch.manual_seed(0), BERT's own init), NOT Ember's regenerated
ones and not the trained ones: this is a speed reference only; the embeddings are not compared.
Needs no network (the model is built from a BertConfig, not downloaded). Writes
OUT/torch-reference.json after every mode, so a timeout keeps what was measured.
"""
import argparse
import json
import os
import platform
import struct
import sys
import time

# Must match dev.ember.bench.gpu.CheckSize.DEVICE (TorchReferenceAgreementTest checks them and
# length_sorted against Embed.lengthSorted).
CAPTURE_SIZES = [8, 16, 32, 64]
SEQ_BUCKETS = [16, 24, 32, 48, 64, 96, 128, 256]
TIMED_PASSES = 5  # best of five, as Throughput


def read_ids(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"EMBRIDS1":
        raise SystemExit(f"{path} is not a token-id file")
    (n,) = struct.unpack_from(">i", data, 8)
    at = 12
    rows = []
    for _ in range(n):
        (length,) = struct.unpack_from(">i", data, at)
        at += 4
        rows.append(list(struct.unpack_from(f">{length}i", data, at)))
        at += 4 * length
    return rows


def bucket(seq):
    for b in SEQ_BUCKETS:
        if seq <= b:
            return b
    return seq


def capture_size(rows):
    for c in CAPTURE_SIZES:
        if rows <= c:
            return c
    return rows


# Must match dev.ember.executor.dispatch.CaptureGrid.CHUNK_COST_ROWS.
CHUNK_COST_ROWS = 1.0


def chunks(rows):
    """How Ember's level-3 wrapper cuts a call of `rows` rows (CaptureGrid.cut): full chunks of
    the largest capture size, then the rest cut into the chunks that cost least, each chunk's rows
    padded up to its capture size plus CHUNK_COST_ROWS a chunk (17 rows: 16 + 1 padded to 8)."""
    top = CAPTURE_SIZES[-1]
    cost, first = [0.0] * top, [0] * top
    for r in range(1, top):
        cost[r] = float("inf")
        for size in CAPTURE_SIZES:
            take = min(size, r)
            c = size + CHUNK_COST_ROWS + cost[r - take]
            if c <= cost[r]:  # ties go to the larger chunk
                cost[r], first[r] = c, take
            if size >= r:
                break
    out = [top] * (rows // top)
    r = rows % top
    while r > 0:
        out.append(first[r])
        r -= first[r]
    return out


def padded_tokens(rows, seq):
    """Tokens a call of `rows` rows of at most `seq` tokens computes, padding included."""
    return sum(capture_size(c) for c in chunks(rows)) * bucket(seq)


def length_sorted(ids, size):
    """Shortest first (stable), `size` per batch, cut where the bucket changes (as Ember does)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    plan, start = [], 0
    while start < len(order):
        b = bucket(len(ids[order[start]]))
        end = start + 1
        while end < len(order) and end - start < size and bucket(len(ids[order[end]])) == b:
            end += 1
        plan.append(order[start:end])
        start = end
    return plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    out_file = os.path.join(args.out, "torch-reference.json")
    result = {"note": "speed reference only: seeded random weights, embeddings not compared",
              "python": platform.python_version(), "modes": []}

    def save():
        with open(out_file, "w") as f:
            json.dump(result, f, indent=2)

    def log(msg):
        print(f"[torch-reference +{time.time() - t_start:6.1f}s] {msg}", flush=True)

    t_start = time.time()
    try:
        import torch
        from transformers import BertConfig, BertModel
        import transformers
    except Exception as e:  # report, never crash without a file
        result["error"] = f"import failed: {e!r}"
        save()
        return 0
    result["torch"] = torch.__version__
    result["transformers"] = transformers.__version__
    try:
        import sentence_transformers
        result["sentence_transformers"] = sentence_transformers.__version__
    except Exception:
        result["sentence_transformers"] = None
    if not torch.cuda.is_available():
        result["error"] = "no CUDA device visible to torch"
        save()
        return 0
    result["device"] = torch.cuda.get_device_name(0)
    save()

    ids = read_ids(args.ids)
    # The batchings the targets compare (corpus order would cost a graph recording per shape).
    plans = {
        "length-sorted x32": length_sorted(ids, 32),
        "length-sorted x64": length_sorted(ids, 64),
    }
    log(f"{len(ids)} sentences, {sum(map(len, ids))} tokens")

    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6,
                        num_attention_heads=12, intermediate_size=1536, hidden_act="gelu",
                        max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12)
    model = BertModel(config, add_pooling_layer=False).cuda().eval()

    def embed_fn(module):
        def embed(input_ids, mask):
            hidden = module(input_ids=input_ids, attention_mask=mask,
                            token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            # sentence-transformers' Pooling(mean) + Normalize.
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
        return embed

    def batch_tensors(rows, seq):
        n = capture_size(len(rows))
        tok = torch.zeros((n, seq), dtype=torch.long)
        mask = torch.zeros((n, seq), dtype=torch.long)
        for i, r in enumerate(rows):
            tok[i, :len(ids[r])] = torch.tensor(ids[r])
            mask[i, :len(ids[r])] = 1
        return tok, mask

    def run_plan(fn, plan, precision):
        """Each batch cut into chunks as Ember's wrapper cuts it, each padded to its capture size
        and its batch's bucket, so both engines compute the same padded tokens."""
        vectors = []
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
        with torch.inference_mode(), torch.autocast("cuda", dtype=dtype or torch.float16,
                                                    enabled=dtype is not None):
            for rows in plan:
                seq = bucket(max(len(ids[r]) for r in rows))
                at = 0
                for n in chunks(len(rows)):
                    part = rows[at:at + n]
                    at += n
                    tok, mask = batch_tensors(part, seq)
                    v = fn(tok.cuda(non_blocking=True), mask.cuda(non_blocking=True))
                    vectors.append(v[:len(part)].cpu())
        torch.cuda.synchronize()
        return vectors

    def compiled():
        torch._dynamo.reset()
        return torch.compile(embed_fn(model), mode="reduce-overhead", dynamic=True)

    eager = embed_fn(model)
    # (name, factory, precision); the compiled rows are what Ember's CUDA-graph rows compare with,
    # first, so that a timeout cuts the eager baselines rather than them.
    modes = [(f"torch.compile reduce-overhead {precision} (CUDA graphs)", compiled, precision)
             for precision in ("fp16", "bf16", "tf32", "fp32")]
    modes += [("eager fp32", lambda: eager, "fp32"), ("eager fp16 autocast", lambda: eager, "fp16")]
    only = os.environ.get("EMBER_TORCH_MODES")  # e.g. "fp16,bf16": only compiled modes named
    if only:
        wanted = set(only.split(","))
        modes = [m for m in modes if "compile" in m[0] and m[2] in wanted]
    for name, make, precision in modes:
        try:
            fn = make()
        except Exception as e:
            result["modes"].append({"mode": name, "precision": precision, "error": repr(e)})
            save()
            continue
        for batching, plan in plans.items():
            row = {"mode": name, "precision": precision, "batching": batching}
            try:
                t0 = time.time()
                run_plan(fn, plan, precision)  # untimed: compiles, records graphs
                row["warmupSeconds"] = time.time() - t0
                best = float("inf")
                for _ in range(TIMED_PASSES):
                    t0 = time.perf_counter()
                    run_plan(fn, plan, precision)
                    best = min(best, time.perf_counter() - t0)
                sentences = sum(len(r) for r in plan)
                tokens = sum(len(ids[i]) for r in plan for i in r)
                padded = sum(padded_tokens(len(r), max(len(ids[i]) for i in r)) for r in plan)
                row.update(sentences=sentences, batches=len(plan), realTokens=tokens,
                           paddedTokens=padded,
                           bestSeconds=best, sentencesPerSecond=sentences / best,
                           realTokensPerSecond=tokens / best)
            except Exception as e:
                row["error"] = repr(e)
            result["modes"].append(row)
            log(json.dumps(row))
            save()
    result["elapsedSeconds"] = time.time() - t_start
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
