#!/usr/bin/env python3
"""Rewrite a GGUF model with every quantized tensor stored as F32.

Called by fetch_models.py (in a venv with the pinned `gguf` and `numpy` from PyPI). Why: the
CPU kernels of candle (used by mistralrs) have no SIMD path for Q4_1 blocks, so the PyPI
SmolLM2 Q4_1 file runs its matmuls in scalar code; as F32 they run in gemm's AVX2/FMA
kernels, several times faster. 135M parameters make a 540 MB file, ~0.6 GB in memory.

Usage: dequantize_gguf.py SRC DST
"""
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter


def main(src: str, dst: str) -> None:
    reader = GGUFReader(src)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = GGUFWriter(dst, arch=arch, endianess=reader.endianess)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    tensors = []
    for t in reader.tensors:
        if t.tensor_type in (GGMLQuantizationType.F32, GGMLQuantizationType.F16):
            tensors.append((t.name, t.data, t.tensor_type))
        else:
            data = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            tensors.append((t.name, data, GGMLQuantizationType.F32))
    for name, data, kind in tensors:
        writer.add_tensor_info(name, data.shape, data.dtype, data.nbytes, kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, data, _ in tensors:
        writer.write_tensor_data(data)
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
