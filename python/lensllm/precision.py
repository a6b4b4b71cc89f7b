"""Float64 where the model code casts to float32.

transformers' model code upcasts some steps to float32 whatever the model's dtype: Llama-family RMSNorm
(`hidden_states.to(torch.float32)`), eager attention's softmax (`softmax(..., dtype=torch.float32)`), rotary
embeddings (`.float()`). In a float64 model those casts are downcasts: the loss is then a float32-rounded
function, and its derivatives carry float32 round-off (1e-7), far above what the certified intervals allow
for. Inside `KeepFloat64`, every cast to float32 (by `.float`, `.to`, `.type` or a `dtype=` argument) is a
cast to float64 instead, so the whole forward pass runs in float64 (the rotary tables too, from frequencies the
model stores in its own dtype). Meant for float64 models: it makes the loss the float64 evaluation of the
model's mathematics, whose derivatives the engine then computes exactly. `casts` counts the casts changed.
"""
import torch
from torch.overrides import TorchFunctionMode


class KeepFloat64(TorchFunctionMode):
    casts = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func is torch.Tensor.float:
            KeepFloat64.casts += 1
            return args[0].to(torch.float64)
        if any(_is_float32(a) for a in args[1:]) or _is_float32(kwargs.get("dtype")):
            KeepFloat64.casts += 1
            args = (*args[:1], *(torch.float64 if _is_float32(a) else a for a in args[1:]))
            if _is_float32(kwargs.get("dtype")):
                kwargs["dtype"] = torch.float64
        return func(*args, **kwargs)


def _is_float32(value):
    return value is torch.float32 or (isinstance(value, str) and value == "torch.FloatTensor")
