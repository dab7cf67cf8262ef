#!/usr/bin/env python3
"""Independent implementation of docs/container-format.md (Python `cryptography`), used as a
second opinion on the Rust implementation: prints the three success vectors as hex.

    python3 scripts/container-vectors.py
"""
import struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def seal(key, key_id, salt, chunk, plaintext):
    commit = hkdf(key, salt, b"kiyome/v1/commit" + key_id)
    payload = AESGCM(hkdf(key, salt, b"kiyome/v1/payload"))
    header_key = AESGCM(hkdf(key, salt, b"kiyome/v1/header"))
    h = b"\x89KYM\r\n\x1a\n" + bytes([1, 1, 0, 0]) + struct.pack(">I", chunk) + key_id + salt + commit
    h += header_key.encrypt(bytes(12), b"", h)  # empty plaintext: the output is the tag
    pieces = [plaintext[i:i + chunk] for i in range(0, len(plaintext), chunk)] or [b""]
    out = h
    for i, p in enumerate(pieces):
        last = i == len(pieces) - 1
        nonce = bytes(3) + struct.pack(">Q", i) + bytes([1 if last else 0])
        out += payload.encrypt(nonce, p, None)
    return out


if __name__ == "__main__":
    key = bytes(range(32))
    key_id = bytes(range(0xA0, 0xB0))
    salt = bytes(range(0x20, 0x40))
    for name, n in [("empty", 0), ("three-chunks", 150), ("two-full-chunks", 128)]:
        print(f"{name}: {seal(key, key_id, salt, 64, bytes(i % 256 for i in range(n))).hex()}")
