"""The worker's wire format, one message each way per request, on a binary pipe.

A message is an 8-byte little-endian header length, the header (UTF-8 JSON), and `header["floats"]` float64
numbers, little-endian, raw: vectors cross without text encoding. The Swift side (Sources/Models/Torch/
TorchWorker.swift) writes and reads the same.
"""
import json
import struct

import numpy as np


def read(stream):
    """(header, payload as a float64 array) or None at end of input."""
    raw = stream.read(8)
    if len(raw) < 8:
        return None
    (length,) = struct.unpack("<Q", raw)
    header = json.loads(stream.read(length).decode("utf-8"))
    count = int(header.get("floats", 0))
    payload = np.frombuffer(stream.read(8 * count), dtype="<f8", count=count) if count else np.zeros(0)
    return header, payload


def write(stream, header, payload=None):
    payload = np.zeros(0) if payload is None else np.ascontiguousarray(payload, dtype="<f8").reshape(-1)
    header = dict(header, floats=int(payload.size))
    body = json.dumps(header).encode("utf-8")
    stream.write(struct.pack("<Q", len(body)) + body)
    stream.write(payload.tobytes())
    stream.flush()
