"""Save checkpoints at each data size n and write the manifest `lens report --manifest` reads.

Fine-tune each candidate on the first n training sequences for each n, save every pair with
`save_pretrained` (config.json + safetensors, as lens reads them), and the writer records how each run
went (steps, batch size, first and last loss) and writes `manifest.json` beside them:

    from lensllm.manifest import ManifestWriter, write_tokens

    write_tokens("runs/tokens.json", train=train_ids, test=test_ids)   # lists of equal-length id lists
    writer = ManifestWriter("runs", tokens="tokens.json", learning_rate=1e-3, budgets=[128, 256])
    for name, make_model in candidates.items():
        writer.save_pretrained(name, make_model())
        for n in [32, 64, 128, 256, 512]:
            model = make_model()
            ...  # fine-tune on train_ids[:n] with your loop
            writer.save_finetuned(name, n, model, steps=steps, batch_size=8, first_loss=first, last_loss=last)
    writer.write()   # runs/manifest.json; then: lens report --manifest runs/manifest.json --out report

With transformers' Trainer, `LensManifestCallback(writer, name, n)` in `callbacks=[...]` saves the pair and
records the run when training ends. The manifest's fields are documented in the README ("Your own
checkpoints") and in `lens report --help`.
"""

import json
import os

# What lens measures on every pair unless told otherwise: the demo's settings (see the README).
DEFAULT_MEASUREMENT = {
    "epsilon": 0.1,  # eps of Theorem 2
    "lanczos_steps": 12,  # the most Lanczos steps a Hessian form takes
    "trace_budget": 3,  # Hutchinson probes per block trace (at least 3, for a standard error)
    "probes": 32,  # training sequences of the pretrained model's tangent kernel
    "density_probes": 3,  # stochastic Lanczos quadrature of the final checkpoint's Hessian
    "density_steps": 30,
    "density_sequences": 16,
    "seed": 1,
}


def write_tokens(path, train, test):
    """Writes the token file lens reads: {"train": [[ids]...], "test": [[ids]...]}, every sequence of one length.

    Pair n of every candidate is fine-tuned on train[:n]; the test split measures the losses.
    """
    for split, rows in (("train", train), ("test", test)):
        rows = [list(map(int, r)) for r in rows]
        if not rows or len({len(r) for r in rows}) != 1:
            raise ValueError(f"{split}: expected a non-empty list of equal-length sequences")
    with open(path, "w") as f:
        json.dump({"train": [list(map(int, r)) for r in train], "test": [list(map(int, r)) for r in test]}, f)


class ManifestWriter:
    """Saves each candidate's pretrained checkpoint and its fine-tuned pairs under `folder`, and writes the manifest.

    Paths in the manifest are relative to `folder`, so the folder moves as a whole.
    """

    def __init__(self, folder, tokens, learning_rate, budgets, measurement=None):
        self.folder, self.tokens, self.learning_rate, self.budgets = folder, tokens, float(learning_rate), list(budgets)
        self.measurement = dict(DEFAULT_MEASUREMENT, **(measurement or {}))
        self.candidates = {}  # name -> {"pretrained": path, "finetuned": [entries]}
        os.makedirs(folder, exist_ok=True)

    def _save(self, model, relative):
        path = os.path.join(self.folder, relative)
        model.save_pretrained(path, safe_serialization=True)
        return relative

    def save_pretrained(self, name, model):
        """Saves candidate `name`'s pretrained model (before any fine-tuning on the target task)."""
        entry = self.candidates.setdefault(name, {"pretrained": None, "finetuned": []})
        entry["pretrained"] = self._save(model, os.path.join(name, "pretrained"))

    def save_finetuned(self, name, n, model, steps, batch_size, first_loss=None, last_loss=None):
        """Saves candidate `name` fine-tuned on the first `n` training sequences, `steps` optimizer steps of
        `batch_size` sequences (its compute, and the tangent kernel's t at the largest n); the losses of the
        first and last step's batch are optional."""
        if name not in self.candidates or self.candidates[name]["pretrained"] is None:
            raise ValueError(f"save candidate {name!r}'s pretrained model first (save_pretrained)")
        record = {"n": int(n), "checkpoint": self._save(model, os.path.join(name, f"n{int(n)}")),
                  "steps": int(steps), "batch_size": int(batch_size)}
        if first_loss is not None:
            record["first_loss"] = float(first_loss)
        if last_loss is not None:
            record["last_loss"] = float(last_loss)
        self.candidates[name]["finetuned"].append(record)

    def write(self, name="manifest.json"):
        """Writes the manifest and returns its path; checks what lens would refuse, with the same words."""
        if len(self.candidates) < 2:
            raise ValueError(f"the manifest lists {len(self.candidates)} candidate(s); selection needs at least two")
        sizes = None
        candidates = []
        for candidate, entry in self.candidates.items():
            runs = sorted(entry["finetuned"], key=lambda r: r["n"])
            ns = [r["n"] for r in runs]
            if sizes is None:
                sizes = ns
            if ns != sizes or len(set(ns)) != len(ns):
                raise ValueError(f"candidate {candidate!r} lists n = {ns}; every candidate must list the same sizes, {sizes}")
            candidates.append({"name": candidate, "pretrained": entry["pretrained"], "finetuned": runs})
        if not self.budgets or any(b not in sizes or b >= sizes[-1] for b in self.budgets):
            raise ValueError(f"budgets must be sizes among {sizes} below the largest, found {self.budgets}")
        manifest = {"tokens": self.tokens, "learning_rate": self.learning_rate, "budgets": sorted(self.budgets),
                    "measurement": self.measurement, "candidates": candidates}
        path = os.path.join(self.folder, name)
        if os.path.exists(path):  # replace only a manifest, never another file of that name
            try:
                with open(path) as f:
                    earlier = json.load(f)
            except (OSError, ValueError):
                earlier = None
            if not (isinstance(earlier, dict) and "candidates" in earlier and "measurement" in earlier):
                raise FileExistsError(f"{path} exists and is not a candidate manifest; not overwriting it")
        with open(path, "w") as f:
            json.dump(manifest, f, indent=2)
        return path


try:
    from transformers import TrainerCallback
except ImportError:  # transformers absent: the plain functions above still work
    TrainerCallback = object


class LensManifestCallback(TrainerCallback):
    """A transformers `TrainerCallback` that records one run of candidate `name` on the first `n` sequences:
    the first and last logged training losses, and at the end of training the steps, the batch size (per
    device x devices x gradient accumulation) and the model, saved with the writer."""

    def __init__(self, writer, name, n):
        self.writer, self.name, self.n = writer, name, n
        self.first_loss = self.last_loss = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.last_loss = float(logs["loss"])
            if self.first_loss is None:
                self.first_loss = self.last_loss

    def on_train_end(self, args, state, control, model=None, **kwargs):
        batch = args.per_device_train_batch_size * max(1, getattr(args, "world_size", 1)) * args.gradient_accumulation_steps
        self.writer.save_finetuned(self.name, self.n, model, steps=state.global_step, batch_size=batch,
                                   first_loss=self.first_loss, last_loss=self.last_loss)
