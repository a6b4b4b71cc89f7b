"""Fine-tunes two tiny transformers GPT-2s at n = 2, 4, 8 through lensllm.manifest and writes the manifest.

One candidate with a plain PyTorch loop and `ManifestWriter.save_finetuned`, the other through
`LensManifestCallback` driven as transformers' Trainer drives it (its hooks called with the Trainer's
arguments; the Trainer itself needs accelerate, which the worker's environment does not carry).
Usage: python manifest_roundtrip.py FOLDER [llama-neox]  (then: lens report --manifest FOLDER/manifest.json --out DIR,
with --engine torch for llama-neox: a tiny Llama and a tiny GPT-NeoX in place of the two GPT-2s)
"""

import sys
from types import SimpleNamespace

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from lensllm.manifest import LensManifestCallback, ManifestWriter, write_tokens

folder = sys.argv[1]
torch.manual_seed(0)
vocabulary, length = 16, 8
generator = torch.Generator().manual_seed(1)
train = torch.randint(0, vocabulary, (8, length), generator=generator).tolist()
test = torch.randint(0, vocabulary, (4, length), generator=generator).tolist()
write_tokens(f"{folder}/tokens.json", train=train, test=test)
writer = ManifestWriter(folder, tokens="tokens.json", learning_rate=1e-2, budgets=[4],
                        measurement={"lanczos_steps": 4, "probes": 4, "density_probes": 1, "density_steps": 4, "density_sequences": 2})


# With a second argument "llama-neox", the candidates are a tiny Llama and a tiny GPT-NeoX instead of two GPT-2s
# (for `lens report --engine torch`, which reads any causal LM).
others = len(sys.argv) > 2 and sys.argv[2] == "llama-neox"


def model(width, seed):
    torch.manual_seed(seed)
    if others and width == 8:
        from transformers import LlamaConfig, LlamaForCausalLM
        return LlamaForCausalLM(LlamaConfig(vocab_size=vocabulary, hidden_size=width, intermediate_size=16, num_hidden_layers=1,
                                            num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=length))
    if others:
        from transformers import GPTNeoXConfig, GPTNeoXForCausalLM
        return GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=vocabulary, hidden_size=width, intermediate_size=24, num_hidden_layers=1,
                                                num_attention_heads=2, max_position_embeddings=length))
    config = GPT2Config(n_layer=1, n_embd=width, n_head=2, n_positions=length, vocab_size=vocabulary,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2LMHeadModel(config)


def finetune(m, n, batch=2, epochs=2):
    """AdamW on the first n training sequences; returns steps and the first and last batch losses."""
    optimizer = torch.optim.AdamW(m.parameters(), lr=1e-2)
    data = torch.tensor(train[:n])
    losses = []
    for _ in range(epochs):
        for start in range(0, n, batch):
            ids = data[start:start + batch]
            loss = m(input_ids=ids, labels=ids).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return len(losses), losses[0], losses[-1]


for name, width, seed in [("loop", 8, 1), ("trainer", 12, 2)]:
    writer.save_pretrained(name, model(width, seed))
    for n in [2, 4, 8]:
        m = model(width, seed)
        steps, first, last = finetune(m, n)
        if name == "loop":
            writer.save_finetuned(name, n, m, steps=steps, batch_size=2, first_loss=first, last_loss=last)
        else:
            callback = LensManifestCallback(writer, name, n)
            args = SimpleNamespace(per_device_train_batch_size=2, world_size=1, gradient_accumulation_steps=1)
            callback.on_log(args, None, None, logs={"loss": first})
            callback.on_log(args, None, None, logs={"loss": last})
            callback.on_train_end(args, SimpleNamespace(global_step=steps), None, model=m)
if others:
    # An independent reference for lens: each pretrained model's mean test loss, in float64 by torch's own
    # cross-entropy on every next token.
    import json
    reference = {}
    for name, width, seed in [("loop", 8, 1), ("trainer", 12, 2)]:
        m = model(width, seed).double().eval()
        ids = torch.tensor(test)
        with torch.no_grad():
            logits = m(input_ids=ids).logits
        per_sequence = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocabulary), ids[:, 1:].reshape(-1),
                                                         reduction="none").reshape(len(test), -1).mean(dim=1)
        reference[name] = per_sequence.mean().item()
    with open(f"{folder}/reference.json", "w") as f:
        json.dump({"zero_shot": reference}, f)
# A file of another kind under the manifest's name is refused, not overwritten.
with open(f"{folder}/notes.json", "w") as f:
    f.write("my notes")
try:
    writer.write("notes.json")
    raise SystemExit("the writer overwrote notes.json")
except FileExistsError:
    assert open(f"{folder}/notes.json").read() == "my notes"
print(writer.write())
