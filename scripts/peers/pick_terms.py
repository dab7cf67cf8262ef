#!/usr/bin/env python3
"""Terms for a redaction benchmark or test, picked from a PDF's own text (pdftotext): the two
most frequent words of five or more Latin letters and the most frequent CJK bigram (two
bigrams when there is no Latin word). Prints one term per line; nothing for a file without
extractable text. Usage: pick_terms.py FILE.pdf"""
import collections
import re
import subprocess
import sys
import unicodedata


def is_cjk(c):
    o = ord(c)
    return 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def main():
    out = subprocess.run(["pdftotext", "-q", sys.argv[1], "-"], capture_output=True, timeout=120)
    text = unicodedata.normalize("NFKC", out.stdout.decode("utf-8", "replace"))
    words = collections.Counter()
    bigrams = collections.Counter()
    for line in text.splitlines():
        for w in re.findall(r"[A-Za-z]{5,}", line):
            words[w.lower()] += 1
        s = [c for c in line if not c.isspace()]
        for a, b in zip(s, s[1:]):
            if is_cjk(a) and is_cjk(b):
                bigrams[a + b] += 1
    top = lambda c, n: [w for w, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:n]]
    terms = top(words, 2)
    terms += top(bigrams, 1 if terms else 2)
    print("\n".join(terms))


if __name__ == "__main__":
    main()
