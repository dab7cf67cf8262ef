#!/usr/bin/env python3
"""Independent verifier of kiyome certificates, written from docs/certificate-format.md only.

Usage: verify_cert.py JWKS (--jws FILE | --bundle FILE | --ledger DIR | --consistency FILE)...

--consistency FILE: JSON {"old_head": JWS, "new_head": JWS, "proof": [hex]}: both signed tree
heads verify, belong to one log, do not go back in size or time, and the RFC 9162 consistency
proof shows the new tree extends the old one.
Exit 0 when everything verifies, 1 otherwise. Needs the `cryptography` package.
"""
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64d(s):
    if "=" in s or "+" in s or "/" in s:
        raise ValueError("not base64url without padding")
    raw = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if b64e(raw) != s:  # non-zero trailing bits
        raise ValueError("non-canonical base64url")
    return raw


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def canonical(v):
    # RFC 8785 for the subset used (no floats; ASCII member names).
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def load_keys(path):
    doc = json.load(open(path, encoding="utf-8"))
    keys = {}
    for k in doc.get("keys", [doc]):
        assert k["kty"] == "OKP" and k["crv"] == "Ed25519"
        thumb = b64e(hashlib.sha256(canonical({"crv": "Ed25519", "kty": "OKP", "x": k["x"]})).digest())
        assert thumb == k["kid"], "kid is not the RFC 7638 thumbprint"
        keys[thumb] = Ed25519PublicKey.from_public_bytes(b64d(k["x"]))
    return keys


def verify_jws(jws, typ, keys):
    h, p, s = jws.split(".")
    header = json.loads(b64d(h))
    assert canonical(header) == b64d(h), "header not canonical"
    assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": typ}, header
    keys[header["kid"]].verify(b64d(s), (h + "." + p).encode())  # raises InvalidSignature
    payload = b64d(p)
    assert canonical(json.loads(payload)) == payload, "payload not canonical"
    return json.loads(payload)


def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):  # RFC 6962 §2.1, naive
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def consistency_proof(leaves, m):  # RFC 9162 §2.1.4.1, naive
    def sub(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return sub(m, d[:k], b) + [mth(d[k:])]
        return sub(m - k, d[k:], False) + [mth(d[:k])]
    return sub(m, leaves, True) if 0 < m < len(leaves) else []


def verify_inclusion(index, size, leaf, proof, root):  # RFC 9162 §2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):  # RFC 9162 §2.1.4.2
    if first > second:
        return False
    if first == second:
        return proof == [] and first_hash == second_hash
    if first == 0:
        return proof == []  # the empty tree is consistent with every tree
    if not proof:
        return False
    if first & (first - 1) == 0:  # an exact power of 2
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def check_consistency(path, keys):
    doc = json.load(open(path, encoding="utf-8"))
    old = verify_jws(doc["old_head"], "kiyome-tree-head+jws", keys)
    new = verify_jws(doc["new_head"], "kiyome-tree-head+jws", keys)
    for h in (old, new):
        assert h["format"] == "kiyome-tree-head/1"
    assert old["log_id"] == new["log_id"], "heads of different logs"
    assert old["tree_size"] <= new["tree_size"], "the new head is smaller"
    assert old["timestamp"] <= new["timestamp"], "the new head is older"
    proof = [bytes.fromhex(x) for x in doc["proof"]]
    ok = verify_consistency(old["tree_size"], new["tree_size"], bytes.fromhex(old["root_hash"]),
                            bytes.fromhex(new["root_hash"]), proof)
    assert ok, "consistency proof fails"
    return old["tree_size"], new["tree_size"]


def verify_bundle(path, keys):
    raw = open(path, "rb").read()
    b = json.loads(raw)
    assert canonical(b) + b"\n" == raw, "bundle not canonical"
    assert b["format"] == "kiyome-certificate-bundle/1"
    cert = verify_jws(b["jws"], "kiyome-certificate+jws", keys)
    assert cert["format"] == "kiyome-erasure-certificate/1"
    inc = b["ledger"]
    head = verify_jws(inc["tree_head"], "kiyome-tree-head+jws", keys)
    assert head["log_id"] == inc["log_id"] and head["tree_size"] == inc["tree_size"]
    entry = canonical({"jws": b["jws"], "seq": inc["leaf_index"], "type": "certificate"})
    proof = [bytes.fromhex(x) for x in inc["inclusion_proof"]]
    ok = verify_inclusion(inc["leaf_index"], inc["tree_size"], leaf_hash(entry), proof, bytes.fromhex(head["root_hash"]))
    assert ok, "inclusion proof fails"
    return cert["certificate_id"]


def verify_ledger(d, keys):
    meta = json.loads(open(d + "/ledger.json", "rb").read())
    lines = open(d + "/entries.jsonl", "rb").read().split(b"\n")
    assert lines[-1] == b"", "unterminated entry"
    leaves = []
    for i, line in enumerate(lines[:-1]):
        e = json.loads(line)
        assert canonical(e) == line and e["seq"] == i
        if e["type"] == "certificate":
            verify_jws(e["jws"], "kiyome-certificate+jws", keys)
        leaves.append(leaf_hash(line))
    heads = open(d + "/heads.jsonl").read().split("\n")[:-1]
    prev = None
    for i, h in enumerate(heads):
        head = verify_jws(h, "kiyome-tree-head+jws", keys)
        assert head["log_id"] == meta["log_id"]
        assert head["tree_size"] == i + 1, "a head after every append"
        # Timestamps are "YYYY-MM-DDTHH:MM:SSZ", so string order is time order.
        assert prev is None or prev["timestamp"] <= head["timestamp"], "head timestamps go back"
        assert mth(leaves[: head["tree_size"]]).hex() == head["root_hash"]
        if prev is not None:  # consecutive heads: the later tree extends the earlier one
            m, n = prev["tree_size"], head["tree_size"]
            proof = consistency_proof(leaves[:n], m)
            assert verify_consistency(m, n, bytes.fromhex(prev["root_hash"]),
                                      bytes.fromhex(head["root_hash"]), proof)
        prev = head
    assert json.loads(b64d(heads[-1].split(".")[1]))["tree_size"] == len(leaves)
    return len(leaves)


def main(argv):
    keys = load_keys(argv[0])
    args = argv[1:]
    try:
        while args:
            flag, path = args[0], args[1]
            args = args[2:]
            if flag == "--jws":
                c = verify_jws(open(path).read().strip(), "kiyome-certificate+jws", keys)
                print("OK jws", c["certificate_id"])
            elif flag == "--bundle":
                print("OK bundle", verify_bundle(path, keys))
            elif flag == "--ledger":
                print("OK ledger", verify_ledger(path, keys), "entries")
            elif flag == "--consistency":
                m, n = check_consistency(path, keys)
                print(f"OK consistency {m} {n}")
            else:
                raise ValueError(f"unknown option {flag}")
    except Exception as e:  # any failure is a verification failure
        print("FAIL", type(e).__name__, e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
