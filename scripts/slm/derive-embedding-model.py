"""Derives the SLM embedding model from the chat GGUF (run by scripts/infra/components/model.sh).

    python derive-embedding-model.py SOURCE.gguf OUTPUT.gguf LAYERS

Keeps the tokenizer, the token embeddings, the first LAYERS transformer blocks and the final norm of a llama
GGUF, and declares it as llama.cpp's `llama-embed` architecture: the same causal graph without the LM head
(which llama.cpp otherwise computes over the whole vocabulary for every token in embedding mode), mean-pooled.
Q4_1 block weights are re-quantized to Q4_0, which llama.cpp's CPU backend repacks for fast batched matmuls.
The output is deterministic for pinned gguf and numpy versions; model.sh checks its sha256.
"""

import sys

import gguf
from gguf import GGMLQuantizationType as QType
from gguf import GGUFValueType as VType

SOURCE_ARCH = "llama"
TARGET_ARCH = "llama-embed"
POOLING_MEAN = 1


def derive(source: str, output: str, layers: int) -> None:
    reader = gguf.GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    if arch != SOURCE_ARCH:
        raise SystemExit(f"{source}: architecture {arch!r}, expected {SOURCE_ARCH!r}")
    blocks = reader.fields[f"{arch}.block_count"].contents()
    if not 1 <= layers <= blocks:
        raise SystemExit(f"LAYERS must be within 1..{blocks}, got {layers}")

    writer = gguf.GGUFWriter(output, TARGET_ARCH)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value = field.contents()
        if key == f"{arch}.block_count":
            value = layers
        if key == "general.name":
            value = f"{value} (first {layers} layers, embeddings)"
        if key.startswith(f"{arch}."):
            key = TARGET_ARCH + key[len(arch) :]
        kind = field.types[0]
        writer.add_key_value(key, value, kind, sub_type=field.types[-1] if kind == VType.ARRAY else None)
    writer.add_key_value(f"{TARGET_ARCH}.attention.causal", True, VType.BOOL)
    writer.add_key_value(f"{TARGET_ARCH}.pooling_type", POOLING_MEAN, VType.UINT32)

    for tensor in reader.tensors:
        if tensor.name.startswith("blk.") and int(tensor.name.split(".")[1]) >= layers:
            continue
        data, kind = tensor.data, tensor.tensor_type
        if kind == QType.Q4_1:
            data, kind = gguf.quants.quantize(gguf.quants.dequantize(data, kind), QType.Q4_0), QType.Q4_0
        # F32/F16 arrays carry their own shape; quantized ones are raw bytes shaped by their type.
        writer.add_tensor(tensor.name, data, raw_dtype=None if kind in (QType.F32, QType.F16) else kind)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    derive(sys.argv[1], sys.argv[2], int(sys.argv[3]))
