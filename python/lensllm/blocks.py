"""Theorem 1's parameter blocks of any transformers causal LM, from the model's own module structure.

The blocks, in order: the embeddings (every parameter before the first transformer layer), each layer of the
model's layer list (the `nn.ModuleList` with `config.num_hidden_layers` entries: GPT-2's `transformer.h`,
Llama's `model.layers`, GPT-NeoX's `gpt_neox.layers`), the final norm (the parameters after the layers), and
an untied head where there is one. Tied weights count once, under their first name (`named_parameters`).
Blocks are named as the native GPT-2 engine names them where it can: `embeddings`, `<list>.<i>` (`h.0`,
`layers.0`), the final norm's module name (`ln_f`, `norm`, `final_layer_norm`), the head's (`lm_head`).
"""
import torch


def layer_list(model):
    """(dotted name, module list) of the model's transformer layers."""
    count = getattr(model.config, "num_hidden_layers", None)
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count and count:
            return name, module
    raise ValueError(f"no list of {count} transformer layers among the model's modules (config.num_hidden_layers)")


def parameter_blocks(model):
    """[(block name, [parameter names in order])], contiguous in the order returned."""
    list_name, _ = layer_list(model)
    short = list_name.split(".")[-1]
    head, inputs = model.get_output_embeddings(), model.get_input_embeddings()
    tied = head is not None and inputs is not None and head.weight is inputs.weight
    head_ids = {id(p) for p in head.parameters()} if head is not None and not tied else set()
    embeddings, layers, after, head_names = [], {}, [], []
    seen_layer = False
    for name, parameter in model.named_parameters():
        if name.startswith(list_name + "."):
            index = int(name[len(list_name) + 1:].split(".")[0])
            layers.setdefault(index, []).append(name)
            seen_layer = True
        elif id(parameter) in head_ids:
            head_names.append(name)
        elif not seen_layer:
            embeddings.append(name)
        else:
            after.append(name)
    blocks = [("embeddings", embeddings)] if embeddings else []
    blocks += [(f"{short}.{i}", layers[i]) for i in sorted(layers)]
    if after:
        modules = {n.rsplit(".", 1)[0] for n in after}
        common = modules.pop() if len(modules) == 1 else "final"
        blocks.append((common.split(".")[-1], after))
    if head_names:
        blocks.append((head_names[0].rsplit(".", 1)[0].split(".")[-1], head_names))
    return blocks
