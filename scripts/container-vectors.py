#!/usr/bin/env python3
"""Independent implementation of docs/container-format.md (Python `cryptography`), used as a
second opinion on the Rust implementation. Written from the document only:

- `seal` builds containers (the three success vectors, printed as `NAME: HEX`);
- the failure vectors are built from their descriptions in the document (`fail NAME: HEX`);
- `open_container` follows the document's "Reading" steps and names the error it stops at, in
  the document's notation (`error NAME: Truncated { chunk: 0 }`); success vectors must open to
  their plaintext (`open NAME: ok`).

    python3 scripts/container-vectors.py
"""
import struct
import sys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"\x89KYM\r\n\x1a\n"
HEADER = 112
TAG = 16


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def nonce(i, last):
    return bytes(3) + struct.pack(">Q", i) + bytes([1 if last else 0])


def seal(key, key_id, salt, chunk, plaintext):
    commit = hkdf(key, salt, b"kiyome/v1/commit" + key_id)
    payload = AESGCM(hkdf(key, salt, b"kiyome/v1/payload"))
    header_key = AESGCM(hkdf(key, salt, b"kiyome/v1/header"))
    h = MAGIC + bytes([1, 1, 0, 0]) + struct.pack(">I", chunk) + key_id + salt + commit
    h += header_key.encrypt(bytes(12), b"", h)  # empty plaintext: the output is the tag
    pieces = [plaintext[i:i + chunk] for i in range(0, len(plaintext), chunk)] or [b""]
    out = h
    for i, p in enumerate(pieces):
        out += payload.encrypt(nonce(i, i == len(pieces) - 1), p, None)
    return out


class Refused(Exception):
    """A container the reader refuses; str() is the error as the document names it."""


def opens(aead, i, last, piece):
    try:
        return aead.decrypt(nonce(i, last), piece, None)
    except InvalidTag:
        return None


def open_container(key, data):
    """The document's "Reading" section, step by step. Returns the plaintext or raises Refused."""
    # 1. magic and length
    head = data[:HEADER]
    k = min(len(head), len(MAGIC))
    if len(head) == 0 or head[:k] != MAGIC[:k]:
        raise Refused("BadMagic")
    if len(head) < HEADER:
        raise Refused("Truncated { chunk: 0 }")
    # 2. fields
    if head[8] != 1:
        raise Refused(f"UnsupportedVersion({head[8]})")
    if head[9] != 1:
        raise Refused('MalformedHeader("unknown suite")')
    if head[10:12] != b"\x00\x00":
        raise Refused('MalformedHeader("reserved bytes are not zero")')
    c = struct.unpack(">I", head[12:16])[0]
    if not 64 <= c <= 16 * 1024 * 1024:
        raise Refused('MalformedHeader("chunk size out of range")')
    key_id, salt = head[16:32], head[32:64]
    # 3. commitment, then header tag
    if hkdf(key, salt, b"kiyome/v1/commit" + key_id) != head[64:96]:
        raise Refused("WrongKey")
    try:
        AESGCM(hkdf(key, salt, b"kiyome/v1/header")).decrypt(bytes(12), head[96:112], head[:96])
    except InvalidTag:
        raise Refused("HeaderChanged")
    # 4. chunks with one byte of look-ahead
    payload = AESGCM(hkdf(key, salt, b"kiyome/v1/payload"))
    n = c + TAG
    rest, i, out = data[HEADER:], 0, b""
    while len(rest) > n:  # a full piece followed by more data: must be non-final chunk i
        piece = rest[:n]
        p = opens(payload, i, False, piece)
        if p is None:
            raise Refused("TrailingData" if opens(payload, i, True, piece) is not None
                          else f"ChunkAuthFailed {{ chunk: {i} }}")
        out += p
        rest, i = rest[n:], i + 1
    if len(rest) < TAG:  # the piece at the end of the input must be final chunk i
        raise Refused(f"Truncated {{ chunk: {i} }}")
    p = opens(payload, i, True, rest)
    if p is not None:
        return out + p
    if len(rest) == n and opens(payload, i, False, rest) is not None:
        raise Refused(f"Truncated {{ chunk: {i + 1} }}")
    raise Refused(f"ChunkAuthFailed {{ chunk: {i} }}")


def failure_vectors(v, full):
    """The "Failure vectors" section; "piece k" is bytes 112 + 80k .. 112 + 80(k+1) of v."""
    piece = lambda k: v[HEADER + 80 * k:HEADER + 80 * (k + 1)]
    size128 = bytearray(v)
    size128[12:16] = struct.pack(">I", 128)
    size32 = bytearray(v)
    size32[12:16] = struct.pack(">I", 32)
    flipped = bytearray(v)
    flipped[195] ^= 1
    magic = bytearray(v)
    magic[1] = 0x6B
    version = bytearray(v)
    version[8] = 2
    return [
        ("truncated-header", v[:50]),
        ("no-chunk", v[:HEADER]),
        ("final-chunk-dropped", v[:272]),
        ("cut-inside-final-chunk", v[:-5]),
        ("chunks-reordered", v[:HEADER] + piece(1) + piece(0) + v[HEADER + 160:]),
        ("middle-chunk-dropped", v[:HEADER] + piece(0) + v[HEADER + 160:]),
        ("ciphertext-bit-flipped", bytes(flipped)),
        ("header-changed", bytes(size128)),
        ("trailing-data", full + b"extra"),
        ("bad-magic", bytes(magic)),
        ("unsupported-version", bytes(version)),
        ("chunk-size-out-of-range", bytes(size32)),
    ]


def main():
    key = bytes(range(32))
    wrong = bytes(range(1, 33))
    key_id = bytes(range(0xA0, 0xB0))
    salt = bytes(range(0x20, 0x40))
    plain = lambda n: bytes(i % 256 for i in range(n))
    sealed = {}
    for name, n in [("empty", 0), ("three-chunks", 150), ("two-full-chunks", 128)]:
        sealed[name] = seal(key, key_id, salt, 64, plain(n))
        print(f"{name}: {sealed[name].hex()}")
        print(f"open {name}: {'ok' if open_container(key, sealed[name]) == plain(n) else 'WRONG'}")
    cases = failure_vectors(sealed["three-chunks"], sealed["two-full-chunks"])
    cases.append(("wrong-key", sealed["three-chunks"]))
    for name, data in cases:
        k = wrong if name == "wrong-key" else key
        try:
            open_container(k, data)
            err = "ACCEPTED"
        except Refused as e:
            err = str(e)
        print(f"fail {name}: {data.hex()}")
        print(f"error {name}: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
