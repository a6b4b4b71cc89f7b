"""A tiny transformers causal LM fine-tuned by AdamW, saved as save_pretrained writes it, with dense references
for `lens bound --engine torch` (issue 22, acceptance 2).

Usage: python make_reference.py OUT --arch llama|gpt_neox [--seed 0]
Writes OUT/pretrained, OUT/finetuned, OUT/tokens.json (train, test) and OUT/reference.json: for every block
(lensllm.blocks) the maximum over the test sequences of v_b^T H_b^+ v_b, where H_b is the block of one
sequence's loss Hessian formed densely by torch.autograd (reverse over reverse, not the worker's forward over
reverse) and H^+ clips its negative eigenvalues (torch.linalg.eigh). Float64 throughout, with the model code's
float32 casts kept in float64 as the worker keeps them (lensllm.precision).
"""
import argparse
import json
import os

import torch
from torch.func import functional_call

from lensllm.blocks import parameter_blocks
from lensllm.precision import KeepFloat64


def model_for(arch):
    if arch == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM
        config = LlamaConfig(vocab_size=16, hidden_size=4, intermediate_size=8, num_hidden_layers=1, num_attention_heads=2,
                             num_key_value_heads=1, max_position_embeddings=8, tie_word_embeddings=False)
        return LlamaForCausalLM(config)
    if arch == "gpt_neox":
        from transformers import GPTNeoXConfig, GPTNeoXForCausalLM
        config = GPTNeoXConfig(vocab_size=16, hidden_size=4, intermediate_size=8, num_hidden_layers=1, num_attention_heads=1,
                               max_position_embeddings=8, rotary_pct=0.5, hidden_dropout=0.0, attention_dropout=0.0)
        return GPTNeoXForCausalLM(config)
    raise SystemExit(f"unknown --arch {arch}")


def losses(model, params, ids):
    with KeepFloat64():
        logits = functional_call(model, params, (ids,), {"use_cache": False}).logits
    logp = torch.log_softmax(logits[:, :-1, :], dim=-1)
    return -logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1).mean(dim=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--arch", required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    model = model_for(a.arch)
    model.config._attn_implementation = "eager"
    model = model.double().eval()
    g = torch.Generator().manual_seed(a.seed + 1)
    train = torch.randint(0, 16, (4, 6), generator=g)
    test = torch.randint(0, 16, (2, 6), generator=g)
    model.save_pretrained(os.path.join(a.out, "pretrained"))
    pretrained = {n: t.detach().clone() for n, t in model.named_parameters()}

    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    for step in range(20):
        optimiser.zero_grad()
        losses(model, dict(model.named_parameters()), train).mean().backward()
        optimiser.step()
    model.save_pretrained(os.path.join(a.out, "finetuned"))
    with open(os.path.join(a.out, "tokens.json"), "w") as f:
        json.dump({"train": train.tolist(), "test": test.tolist()}, f)

    params = {n: t.detach() for n, t in model.named_parameters()}
    reference = {}
    for block, names in parameter_blocks(model):
        shapes = [params[n].shape for n in names]
        sizes = [s.numel() for s in shapes]
        flat = torch.cat([params[n].reshape(-1) for n in names])
        v = torch.cat([(params[n] - pretrained[n]).reshape(-1) for n in names])
        best = -float("inf")
        for s in range(test.shape[0]):
            ids = test[s:s + 1]

            def loss(x):
                pieces = [t.reshape(shape) for t, shape in zip(torch.split(x, sizes), shapes)]
                return losses(model, dict(params, **dict(zip(names, pieces))), ids).mean()

            hessian = torch.autograd.functional.hessian(loss, flat)
            hessian = (hessian + hessian.T) / 2
            values, vectors = torch.linalg.eigh(hessian)
            form = float((values.clamp(min=0) * (vectors.T @ v) ** 2).sum())
            best = max(best, form)
        reference[block] = best
    with open(os.path.join(a.out, "reference.json"), "w") as f:
        json.dump({"arch": a.arch, "blocks": reference}, f, indent=1)


if __name__ == "__main__":
    main()
