"""The PyTorch engine of `lens --engine torch`: one process per run, started by lens, requests on stdin and
answers on stdout (`lensllm.protocol`). It holds a pretrained/fine-tuned pair of any transformers causal LM and
answers, at the fine-tuned weights:

  load      the pair: blocks (`lensllm.blocks`), parameter count, vocabulary, architecture (depth, width, heads,
            context, the layer list's name); v = fine-tuned - pretrained
            (a fine-tuned checkpoint alone: v = 0)
  losses    each sequence's mean next-token cross-entropy
  gradient  the batch's mean loss and its gradient
  select    the batch the products below are on (one sequence for a per-sample Hessian)
  hvp       H_bb x: the Hessian of the selected batch's mean loss restricted to block b (or the whole H),
            exact, by forward-over-reverse (torch.func: jvp of grad)

The cross-entropy is computed here from the logits in the model's dtype (transformers' own `.loss` upcasts
the logits to float32 even for a float64 model), and casts to float32 in the model code are kept in float64
(`lensllm.precision`). The model runs in eval mode (no dropout) with eager
attention. Errors are answered as {"ok": false, "error": ...}; the worker then waits for the next request.
"""
import contextlib
import os
import sys
import traceback

import torch
from torch.func import functional_call, grad, jvp

from . import protocol
from .blocks import layer_list, parameter_blocks
from .precision import KeepFloat64

DTYPES = {"float64": torch.float64, "float32": torch.float32, "bfloat16": torch.bfloat16}


def load_model(path, dtype, device):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, attn_implementation="eager")
    return model.to(device).eval()


class Engine:
    def __init__(self, header):
        dtype = DTYPES.get(header.get("dtype", "float64"))
        if dtype is None:
            raise ValueError(f"--dtype {header.get('dtype')}: expected one of {', '.join(DTYPES)}")
        self.device = torch.device(header.get("device", "cpu"))
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("--device cuda: this PyTorch has no CUDA device")
        self.dtype = dtype
        self.model = load_model(header["finetuned"], dtype, self.device)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.blocks = parameter_blocks(self.model)
        self.names = [n for _, names in self.blocks for n in names]
        self.params = dict(self.model.named_parameters())
        if header.get("pretrained"):
            theirs = dict(load_model(header["pretrained"], dtype, self.device).named_parameters())
            for name in self.names:
                if name not in theirs or theirs[name].shape != self.params[name].shape:
                    raise ValueError(f"{header['pretrained']}: tensor {name} is missing or of another shape than in {header['finetuned']}")
            # In float64 whatever the dtype: the difference of two bfloat16 weights is not a bfloat16 number.
            self.direction = torch.cat([(self.params[n].double() - theirs[n].double()).reshape(-1) for n in self.names]).detach().cpu().numpy()
        else:  # the fine-tuned checkpoint alone (lens ntk): v = 0
            self.direction = torch.zeros(sum(self.params[n].numel() for n in self.names), dtype=torch.float64).numpy()
        self.ids = None

    def describe(self):
        blocks, start = [], 0
        for name, names in self.blocks:
            size = sum(self.params[n].numel() for n in names)
            blocks.append({"name": name, "start": start, "end": start + size})
            start += size
        config = self.model.config
        context = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
        return {"ok": True, "parameters": start, "vocabulary": int(config.vocab_size), "model_type": config.model_type,
                "context": context, "blocks": blocks, "torch": torch.__version__, "float32_casts_kept": self.casts_per_forward(),
                "layers": int(config.num_hidden_layers), "width": int(config.hidden_size),
                "heads": getattr(config, "num_attention_heads", None), "layer_list": layer_list(self.model)[0]}

    def casts_per_forward(self):
        """The float32 casts in the model code that one forward pass keeps in float64."""
        before = KeepFloat64.casts
        with torch.no_grad():
            self.per_sequence_losses(self.params, torch.zeros((1, 2), dtype=torch.long, device=self.device))
        return KeepFloat64.casts - before

    def tokens(self, header):
        ids = torch.tensor(header["tokens"], dtype=torch.long, device=self.device)
        if ids.dim() != 2 or ids.shape[1] < 2:
            raise ValueError("tokens: expected a batch of sequences of at least 2 tokens")
        if int(ids.max()) >= self.model.config.vocab_size or int(ids.min()) < 0:
            raise ValueError(f"tokens: an id outside the vocabulary of {self.model.config.vocab_size}")
        return ids

    def per_sequence_losses(self, params, ids):
        # float64: every cast to float32 in the model code kept in float64. Lower precisions run as the model
        # code has them, the cross-entropy at least in float32.
        with KeepFloat64() if self.dtype == torch.float64 else contextlib.nullcontext():
            logits = functional_call(self.model, params, (ids,), {"use_cache": False}).logits
        if self.dtype == torch.bfloat16:
            logits = logits.float()
        logp = torch.log_softmax(logits[:, :-1, :], dim=-1)
        return -logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1).mean(dim=1)

    def losses(self, header):
        with torch.no_grad():
            return {"ok": True}, self.per_sequence_losses(self.params, self.tokens(header)).double().cpu().numpy()

    def gradient(self, header):
        ids = self.tokens(header)
        names = self.names

        def loss(*values):
            return self.per_sequence_losses(dict(self.params, **dict(zip(names, values))), ids).mean()

        values = tuple(self.params[n] for n in names)
        g = grad(loss, argnums=tuple(range(len(names))))(*values)
        with torch.no_grad():
            mean = loss(*values)
        return {"ok": True, "loss": float(mean)}, torch.cat([t.reshape(-1) for t in g]).double().cpu().numpy()

    def select(self, header):
        self.ids = self.tokens(header)
        return {"ok": True}, None

    def hvp(self, header, x):
        if self.ids is None:
            raise ValueError("hvp before select")
        b = header.get("block")
        names = self.names if b is None else self.blocks[b][1]
        shapes = [self.params[n].shape for n in names]
        sizes = [s.numel() for s in shapes]
        if x.size != sum(sizes):
            raise ValueError(f"hvp: a vector of {x.size} numbers for a block of {sum(sizes)}")
        tangent = torch.from_numpy(x.copy()).to(device=self.device, dtype=self.dtype)
        tangents = tuple(t.reshape(s) for t, s in zip(torch.split(tangent, sizes), shapes))
        ids = self.ids

        def loss(*values):
            return self.per_sequence_losses(dict(self.params, **dict(zip(names, values))), ids).mean()

        argnums = tuple(range(len(names)))
        primals = tuple(self.params[n] for n in names)
        _, hv = jvp(lambda *v: grad(loss, argnums=argnums)(*v), primals, tangents)
        return {"ok": True}, torch.cat([t.reshape(-1) for t in hv]).double().cpu().numpy()


def serve(inp, out):
    engine = None
    while True:
        message = protocol.read(inp)
        if message is None:
            return
        header, payload = message
        command = header.get("command")
        try:
            if command == "quit":
                protocol.write(out, {"ok": True})
                return
            if command == "hello":
                protocol.write(out, {"ok": True, "protocol": 1, "torch": torch.__version__})
            elif command == "load":
                engine = Engine(header)
                protocol.write(out, engine.describe(), engine.direction)
            elif engine is None:
                raise ValueError(f"{command} before load")
            elif command in ("losses", "gradient", "select"):
                answer, data = getattr(engine, command)(header)
                protocol.write(out, answer, data)
            elif command == "hvp":
                answer, data = engine.hvp(header, payload)
                protocol.write(out, answer, data)
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as error:  # answered, not fatal: lens names it and stops
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            protocol.write(out, {"ok": False, "error": detail})


def main():
    # The protocol owns stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    torch.set_num_threads(int(os.environ.get("LENS_TORCH_THREADS", "1")))
    serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
