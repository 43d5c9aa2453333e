#!/usr/bin/env python3
"""Ember vs torch.compile on one device-check run: bin/lib/gpu-check run OUT calls this last.

Reads OUT/gpu-check.json and OUT/torch-reference.json (same run, same batches) and writes
OUT/summary.md: sentences/s of Ember's CUDA-graph rows and of torch.compile(mode="reduce-overhead")
at each precision, their ratio, and the issue's targets (fp16/bf16/tf32 >= 1.0, fp32 >= 0.8 on
length-sorted x32 and x64), plus the host share of each engine's pass where it is known. Missing
rows are listed as missing, never skipped.
"""
import json
import os
import sys

TARGETS = {"fp16": 1.0, "bf16": 1.0, "tf32": 1.0, "fp32": 0.8}
BATCHINGS = ["length-sorted x64", "length-sorted x32"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {e}"}


def table(ember, torch):
    ours = {(r.get("precision"), r.get("batching")): r for r in ember.get("throughput", [])
            if r.get("graphs") is True}
    theirs = {(m.get("precision"), m.get("batching")): m for m in torch.get("modes", [])
              if "compile" in m.get("mode", "")}
    lines = ["| precision | batching | Ember sentences/s | torch.compile sentences/s | ratio |"
             " target | met |", "|---|---|---:|---:|---:|---:|---|"]
    met_all = True
    for precision, target in TARGETS.items():
        for batching in BATCHINGS:
            e = ours.get((precision, batching), {}).get("sentencesPerSecond")
            t = theirs.get((precision, batching), {}).get("sentencesPerSecond")
            if e is None or t is None:
                met_all = False
                lines.append(f"| {precision} | {batching} | {fmt(e)} | {fmt(t)} | missing |"
                             f" {target} | no |")
                continue
            ratio = e / t
            met = ratio >= target
            met_all &= met
            lines.append(f"| {precision} | {batching} | {e:,.0f} | {t:,.0f} | {ratio:.2f} |"
                         f" {target} | {'yes' if met else 'no'} |")
    return lines, met_all


def fmt(v):
    return "missing" if v is None else f"{v:,.0f}"


def main():
    out = sys.argv[1]
    ember = load(os.path.join(out, "gpu-check.json"))
    torch = load(os.path.join(out, "torch-reference.json"))
    lines = ["# Ember vs torch.compile, this run", ""]
    for name, doc in (("gpu-check", ember), ("torch-reference", torch)):
        if "error" in doc:
            lines.append(f"- {name}: {doc['error']}")
    lines.append(f"- device: {ember.get('probe', {}).get('name')}, torch {torch.get('torch')}")
    lines.append("")
    rows, met = table(ember, torch)
    lines += rows
    lines += ["", f"All ratio targets met: {'yes' if met else 'no'}. torch's host side (Python,"
              " Dynamo guards) varies with the machine's CPU from run to run; compare ratios"
              " within one run only."]
    gemm = [r for r in ember.get("gemmTflops", []) if r.get("fastest")
            and str(r.get("shape", "")).startswith("square")]
    if gemm:
        lines += ["", "| GEMM at 4096^3 (fastest route that agrees) | TFLOP/s |", "|---|---:|"]
        lines += [f"| {r.get('route', r.get('tile'))} | {r.get('tflops', 0):.1f} |" for r in gemm]
    profile = {r.get("precision"): r for r in ember.get("profile", [])}
    fused = profile.get("fp16", {}).get("attentionPathMicros")
    unfused = profile.get("fp16, attention unfused", {}).get("attentionPathMicros")
    if fused and unfused:
        lines += ["", f"Attention path at fp16 (64 x 32 batch, per replay): fused {fused:.1f} us,"
                  f" unfused {unfused:.1f} us: {unfused / fused:.2f}x (target 5x)"]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
