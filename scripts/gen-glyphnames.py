#!/usr/bin/env python3
# Generates crates/kiyome-redact/src/pdf/glyphnames.rs (glyph-name tables: CFF standard strings,
# StandardEncoding, WinAnsiEncoding, MacRomanEncoding) from the tables fontTools publishes.
# Usage: $KIYOME_VENV/bin/python scripts/gen-glyphnames.py > crates/kiyome-redact/src/pdf/glyphnames.rs
from fontTools.cffLib import cffStandardStrings as S
from fontTools.encodings.StandardEncoding import StandardEncoding as STD
from fontTools.encodings.MacRoman import MacRoman as MR
from fontTools import agl
assert len(S)==391
def arr(name, items, doc):
    out=["/// %s" % doc, "#[rustfmt::skip]", "pub(crate) const %s: [&str; %d] = [" % (name, len(items))]
    line="   "
    for it in items:
        tok=' "%s",' % it
        if len(line)+len(tok)>99:
            out.append(line); line="   "
        line+=tok
    out.append(line); out.append("];"); return "\n".join(out)
win=[]
for c in range(256):
    if c<32 or c==127: win.append(""); continue
    try: u=bytes([c]).decode("cp1252")
    except UnicodeDecodeError: win.append(""); continue
    n=agl.UV2AGL.get(ord(u), "")
    win.append(n)
win[0xA0]="space"; win[0xAD]="hyphen"
std=[n if n!=".notdef" else "" for n in STD]
mr=[n if n!=".notdef" else "" for n in MR]
for c in range(32): mr[c]=""
mr[0xCA]="space"
for c in (0x7F,0x81,0x8D,0x8F,0x90,0x9D): win[c]="bullet"
print("""//! Glyph-name tables (data): the CFF standard strings (CFF spec, Appendix A) and the
//! StandardEncoding, WinAnsiEncoding and MacRomanEncoding of ISO 32000-1 Annex D ("" where a
//! code has no glyph). Generated once from the spec tables as published in fontTools
//! (cffStandardStrings, StandardEncoding, MacRoman; WinAnsi from cp1252 through the Adobe
//! Glyph List, with 0xA0 space and 0xAD hyphen as Annex D lists them, and its unused codes as
//! bullet, which readers draw there; MacRoman 0xCA space).
""")
print(arr("STANDARD_STRINGS", S, "CFF standard strings: SID → name (SIDs 0–390)."))
print()
print(arr("STANDARD_ENCODING", std, "StandardEncoding: code → glyph name."))
print()
print(arr("WIN_ANSI_ENCODING", win, "WinAnsiEncoding: code → glyph name."))
print()
print(arr("MAC_ROMAN_ENCODING", mr, "MacRomanEncoding: code → glyph name."))
