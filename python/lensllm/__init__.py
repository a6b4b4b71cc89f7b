"""LensLLM's Python side: the PyTorch worker behind `lens --engine torch` (`lensllm.worker`)."""
