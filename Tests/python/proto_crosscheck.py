#!/usr/bin/env python3
"""Cross-checks our Swift codec against Python's protobuf (upb), the reference codec.

  gen    --protos DIR --out FILE --count N [--seed S]
         Random messages of every type in every Protos/**/*.proto, serialized by Python
         (deterministic=True, so maps are written in key order), as records.
  verify --protos DIR --python FILE --swift FILE
         FILE from Swift holds, per record, Swift's re-encoding of Python's bytes. Checks that
         Python decodes Swift's bytes to a message equal to the original, and that the bytes
         are identical to Python's.

A record is: varint name length, name, varint payload length, payload.
"""
import argparse
import importlib
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

from google.protobuf import descriptor as D

STRINGS = ["", "a", "job", "é", "中文", "😀", "\u0000", "tab\tnew\nline", "ÿ", "\U0010FFFF", "κόσμε"]


def load_modules(protos_dir, workdir):
    files = []
    for root, _, names in os.walk(protos_dir):
        for n in names:
            if n.endswith(".proto"):
                files.append(os.path.relpath(os.path.join(root, n), protos_dir))
    files.sort()
    subprocess.run(["protoc", "-I", protos_dir, "--python_out", workdir] + files, check=True)
    # grpcio's own regular package `grpc` would shadow the generated grpc/... modules, which
    # are a namespace package; __init__.py files make ours a regular package found first.
    for root, _, _ in os.walk(workdir):
        if root != workdir:
            open(os.path.join(root, "__init__.py"), "a").close()
    sys.path.insert(0, workdir)
    mods = []
    for f in files:
        mods.append(importlib.import_module(f[:-len(".proto")].replace("/", ".") + "_pb2"))
    return mods


def message_classes(mods):
    from google.protobuf import message_factory
    out = []

    def walk(desc):
        if desc.GetOptions().map_entry:
            return
        out.append((desc.full_name, message_factory.GetMessageClass(desc)))
        for n in desc.nested_types:
            walk(n)

    for m in mods:
        for desc in m.DESCRIPTOR.message_types_by_name.values():
            walk(desc)
    return out


def is_repeated(f):
    r = getattr(f, "is_repeated", None)
    if r is not None:
        return r
    return f.label == D.FieldDescriptor.LABEL_REPEATED


def rand_int(rng, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    pick = rng.random()
    if pick < 0.3:
        return rng.choice([v for v in (0, 1, -1, 127, 128, 300, 16383, 16384, lo, hi, lo + 1, hi - 1) if lo <= v <= hi])
    if pick < 0.6:
        return rng.randint(max(lo, -1000), min(hi, 1000))
    return rng.randint(lo, hi)


def rand_double(rng):
    pick = rng.random()
    if pick < 0.4:
        return rng.choice([0.0, -0.0, 1.0, -1.5, math.inf, -math.inf, 1e308, -1e-308, 5e-324, 2.0 ** 53])
    return rng.uniform(-1e12, 1e12) * rng.choice([1, 1e-9, 1e100])


def rand_string(rng):
    if rng.random() < 0.3:
        return rng.choice(STRINGS)
    return "".join(rng.choice(STRINGS[1:]) if rng.random() < 0.2 else chr(rng.randint(32, 126))
                   for _ in range(rng.randint(0, 24)))


def rand_scalar(rng, f):
    T = D.FieldDescriptor
    t = f.type
    if t in (T.TYPE_INT32, T.TYPE_SINT32, T.TYPE_SFIXED32):
        return rand_int(rng, 32, True)
    if t in (T.TYPE_INT64, T.TYPE_SINT64, T.TYPE_SFIXED64):
        return rand_int(rng, 64, True)
    if t in (T.TYPE_UINT32, T.TYPE_FIXED32):
        return rand_int(rng, 32, False)
    if t in (T.TYPE_UINT64, T.TYPE_FIXED64):
        return rand_int(rng, 64, False)
    if t == T.TYPE_BOOL:
        return rng.random() < 0.5
    if t == T.TYPE_DOUBLE:
        return rand_double(rng)
    if t == T.TYPE_FLOAT:
        return struct.unpack("<f", struct.pack("<f", max(-3e38, min(3e38, rand_double(rng))) if rng.random() < 0.9 else math.inf))[0]
    if t == T.TYPE_STRING:
        return rand_string(rng)
    if t == T.TYPE_BYTES:
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 5, 40, 200])))
    if t == T.TYPE_ENUM:
        if rng.random() < 0.8:
            return rng.choice(f.enum_type.values).number
        return rand_int(rng, 32, True)  # open enum: any int32 is kept
    raise ValueError(f"unhandled type {t}")


def fill(rng, msg, depth):
    desc = msg.DESCRIPTOR
    chosen = {}
    for o in desc.oneofs:
        chosen[o.name] = rng.choice([None] + list(o.fields))
    for f in desc.fields:
        if f.containing_oneof is not None:
            if chosen[f.containing_oneof.name] is not f:
                continue
        elif rng.random() < 0.25:
            continue  # leave at its default
        T = D.FieldDescriptor
        if f.type == T.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for _ in range(rng.choice([0, 1, 2, 5])):
                k = rand_scalar(rng, kf)
                if vf.type == T.TYPE_MESSAGE:
                    entry = m[k]  # creates the entry, present even when left empty
                    if depth < 3:
                        fill(rng, entry, depth + 1)
                else:
                    m[k] = rand_scalar(rng, vf)
        elif is_repeated(f):
            n = rng.choice([0, 1, 2, 3, 7])
            if f.type == T.TYPE_MESSAGE:
                for _ in range(n if depth < 3 else 0):
                    fill(rng, getattr(msg, f.name).add(), depth + 1)
            else:
                getattr(msg, f.name).extend(rand_scalar(rng, f) for _ in range(n))
        elif f.type == T.TYPE_MESSAGE:
            if depth < 3:
                sub = getattr(msg, f.name)
                sub.SetInParent()  # present even when empty
                fill(rng, sub, depth + 1)
        else:
            setattr(msg, f.name, rand_scalar(rng, f))


def write_varint(out, n):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def read_varint(buf, i):
    n, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, i
        shift += 7


def write_records(path, records):
    out = bytearray()
    for name, payload in records:
        nb = name.encode()
        write_varint(out, len(nb)); out += nb
        write_varint(out, len(payload)); out += payload
    with open(path, "wb") as f:
        f.write(out)


def read_records(path):
    buf = open(path, "rb").read()
    i, recs = 0, []
    while i < len(buf):
        n, i = read_varint(buf, i); name = buf[i:i + n].decode(); i += n
        n, i = read_varint(buf, i); recs.append((name, bytes(buf[i:i + n]))); i += n
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gen", "verify"])
    ap.add_argument("--protos", required=True)
    ap.add_argument("--out")
    ap.add_argument("--python")
    ap.add_argument("--swift")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        classes = dict(message_classes(load_modules(a.protos, work)))
        if a.mode == "gen":
            rng = random.Random(a.seed)
            records = []
            for name in sorted(classes):
                for _ in range(a.count):
                    m = classes[name]()
                    fill(rng, m, 0)
                    records.append((name, m.SerializeToString(deterministic=True)))
            write_records(a.out, records)
            print(f"generated {len(records)} messages of {len(classes)} types")
            return 0
        ours, theirs = read_records(a.swift), read_records(a.python)
        if len(ours) != len(theirs):
            print(f"record count differs: swift {len(ours)} python {len(theirs)}")
            return 1
        failures = 0
        for (name, sb), (pname, pb) in zip(ours, theirs):
            cls = classes[pname]
            problem = None
            if name != pname:
                problem = f"type {name} != {pname}"
            else:
                try:
                    if cls.FromString(sb) != cls.FromString(pb):
                        problem = "decodes to a different message"
                    elif sb != pb:
                        problem = "bytes differ"
                except Exception as e:  # Swift wrote bytes Python cannot parse
                    problem = f"python cannot decode: {e}"
            if problem:
                failures += 1
                if failures <= 5:
                    print(f"{pname}: {problem}\n  python {pb.hex()}\n  swift  {sb.hex()}")
        print(f"verified {len(theirs)} messages, {failures} failures")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
