#!/usr/bin/env python3
"""Builds the CFF and Type 1 fixture fonts of tests/pdf_cff_type1.rs with fontTools (an
independent writer, so that the pruner reads programs it did not produce itself).

    $KIYOME_VENV/bin/python crates/kiyome-redact/tests/fonts/make_fonts.py

Every glyph draws a distinct outline, partly through subroutines, so that the test can tell
which subroutines serve only the glyphs a redaction removes:

cid.cff / cid.otf  CID-keyed (Adobe-Japan1) CFF, two Font DICTs. CIDs: 山 1200, 田 1300,
                   太 1400, 郎 1500, 市 1600, 所 1700 (FD 0), 花 7000, 子 7100 (FD 1).
                   global subrs: G0 every FD-0 glyph, G1 太 and 郎 only; FD 0 local subrs:
                   L0 山, L1 太 only, L2 田 and 郎; FD 1: L0 花, L1 子. 山 uses hintmask.
t1c.cff            Type1C: A B C D E F acute Aacute (seac A + acute); custom Encoding
                   A–F 65–70, Aacute 193. Local L0 C only, L1 A and D; global G0 D only,
                   G1 A B C D E.
t1.pfa             Type 1 with the same glyphs, cleartext /Encoding (A–F 65–70, Aacute 193),
                   binary eexec part, 512 zeros and cleartomark. /Subrs 0–3 the standard
                   flex/hint-replacement ones, 4 C only, 5 A and D, 6 B (called through hint
                   replacement), 7 D only (hint replacement).
"""
import os
from fontTools.fontBuilder import FontBuilder
from fontTools.misc.psCharStrings import T2CharString, T1CharString
from fontTools.misc import eexec
from fontTools.cffLib import FDArrayIndex, FontDict, FDSelect, PrivateDict, SubrsIndex

HERE = os.path.dirname(os.path.abspath(__file__))


def box(x, y, w, h):
    """A closed rectangle from the current point moved by (x, y): Type 2 operators."""
    return [x, y, "rmoveto", w, "hlineto", h, "vlineto", -w, "hlineto"]


def t2(prog):
    return T2CharString(program=prog)


def cid_font():
    cids = [0, 1200, 1300, 1400, 1500, 1600, 1700, 7000, 7100]
    names = [".notdef"] + ["cid%05d" % c for c in cids[1:]]
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder(names)
    # Subroutine numbers are biased by 107 (fewer than 1240 subrs).
    G0, G1 = -107, -106
    L0, L1, L2 = -107, -106, -105
    progs = {
        ".notdef": [1000, "endchar"],
        # 山: hstemhm, vstemhm, hintmask (one mask byte), own L0, shared G0
        "cid01200": [1000, 0, 50, 600, 50, "hstemhm", 100, 40, "vstemhm", "hintmask", b"\xc0",
                     L0, "callsubr", G0, "callgsubr", "endchar"],
        "cid01300": [1000, L2, "callsubr", G0, "callgsubr", "endchar"],
        "cid01400": [1000, L1, "callsubr", G1, "callgsubr", G0, "callgsubr", "endchar"],
        "cid01500": [1000, L2, "callsubr", G1, "callgsubr", G0, "callgsubr", "endchar"],
        "cid01600": [1000] + box(300, 300, 400, 120) + [G0, "callgsubr", "endchar"],
        "cid01700": [1000] + box(120, 520, 90, 300) + [G0, "callgsubr", "endchar"],
        "cid07000": [1000, L0, "callsubr", "endchar"],
        "cid07100": [1000, L1, "callsubr", "endchar"],
    }
    fb.setupCFF("KiyomeCID-Regular", {"FullName": "Kiyome CID"}, {n: t2(p) for n, p in progs.items()}, {})
    fb.setupHorizontalMetrics({n: (1000, 50) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "KiyomeCID", "styleName": "Regular"})
    fb.setupCharacterMap({})
    fb.setupOS2()
    fb.setupPost()
    cff = fb.font["CFF "].cff
    top = cff.topDictIndex[0]
    gs = cff.GlobalSubrs
    gs.append(t2(box(40, 40, 920, 40) + ["return"]))                 # G0
    gs.append(t2(box(480, 100, 40, 700) + ["return"]))               # G1: 太 郎 only
    top.ROS = ("Adobe", "Japan1", 6)
    top.CIDCount = 8720
    fda = FDArrayIndex()
    fd_subrs = [
        [box(460, 100, 80, 760) + ["return"],                          # FD0 L0: 山
         box(100, 600, 800, 60) + ["return"],                          # FD0 L1: 太 only
         box(150, 150, 700, 700) + ["return"]],                        # FD0 L2: 田 郎
        [box(200, 200, 600, 300) + ["return"],                         # FD1 L0: 花
         box(250, 250, 100, 500) + ["return"]],                        # FD1 L1: 子
    ]
    for k, (fname, subrs) in enumerate(zip(["KiyomeCID-Kanji", "KiyomeCID-Kana"], fd_subrs)):
        fd = FontDict()
        fd.FontName = fname
        pr = PrivateDict()
        pr.BlueValues = [-12, 0, 880, 892]
        pr.defaultWidthX = 1000
        pr.nominalWidthX = 0
        si = SubrsIndex()
        for s in subrs:
            si.append(t2(s))
        pr.Subrs = si
        fd.Private = pr
        fda.append(fd)
    top.FDArray = fda
    sel = FDSelect(format=3)
    for n in names:
        sel.append(1 if n in ("cid07000", "cid07100") else 0)
    top.FDSelect = sel
    for n in names:
        cs = top.CharStrings[n]
        pr = fda[1 if n in ("cid07000", "cid07100") else 0].Private
        cs.private = pr
        for i, s in enumerate(pr.Subrs):
            s.private = pr
    for s in gs:
        s.private = fda[0].Private
    del top.Private
    fb.font.save(os.path.join(HERE, "cid.otf"))
    with open(os.path.join(HERE, "cid.cff"), "wb") as f:
        f.write(fb.font.getTableData("CFF "))


def t1c_font():
    names = [".notdef", "A", "B", "C", "D", "E", "F", "acute", "Aacute"]
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder(names)
    G0, G1 = -107, -106
    L0, L1 = -107, -106
    progs = {
        ".notdef": [500, "endchar"],
        "A": [600, L1, "callsubr", G1, "callgsubr", "endchar"],
        "B": [600] + box(100, 100, 60, 600) + [G1, "callgsubr", "endchar"],
        "C": [600, L0, "callsubr", G1, "callgsubr", "endchar"],
        "D": [600, L1, "callsubr", G0, "callgsubr", G1, "callgsubr", "endchar"],
        "E": [600] + box(100, 400, 400, 60) + [G1, "callgsubr", "endchar"],
        "F": [600] + box(100, 500, 300, 60) + ["endchar"],
        "acute": [300] + box(100, 700, 100, 60) + ["endchar"],
        # seac: adx ady bchar achar (StandardEncoding: A 65, acute 194)
        "Aacute": [600, 150, 0, 65, 194, "endchar"],
    }
    fb.setupCFF("KiyomeT1C", {"FullName": "Kiyome T1C"}, {n: t2(p) for n, p in progs.items()},
                {"defaultWidthX": 600, "nominalWidthX": 0})
    fb.setupHorizontalMetrics({n: (600, 50) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "KiyomeT1C", "styleName": "Regular"})
    fb.setupCharacterMap({})
    fb.setupOS2()
    fb.setupPost()
    cff = fb.font["CFF "].cff
    top = cff.topDictIndex[0]
    pr = top.Private
    si = SubrsIndex()
    si.append(t2(box(300, 100, 60, 500) + ["return"]))   # L0: C only
    si.append(t2(box(200, 300, 300, 60) + ["return"]))   # L1: A D
    pr.Subrs = si
    for s in si:
        s.private = pr
    gs = cff.GlobalSubrs
    gs.append(t2(box(400, 100, 60, 500) + ["return"]))   # G0: D only
    gs.append(t2(box(50, 50, 500, 30) + ["return"]))     # G1: A B C D E
    for s in gs:
        s.private = pr
    enc = [".notdef"] * 256
    for i, n in enumerate("ABCDEF"):
        enc[65 + i] = n
    enc[193] = "Aacute"
    top.Encoding = enc
    with open(os.path.join(HERE, "t1c.cff"), "wb") as f:
        f.write(fb.font.getTableData("CFF "))


def t1_font():
    def cs(prog):
        c = T1CharString(program=prog)
        c.compile()
        return eexec.encrypt(b"\0\0\0\0" + c.bytecode, 4330)[0]

    def rect(x, y, w, h):
        return [x, y, "rmoveto", w, "hlineto", h, "vlineto", -w, "hlineto", "closepath"]

    subrs = [
        [3, 0, "callothersubr", "pop", "pop", "setcurrentpoint", "return"],
        [0, 1, "callothersubr", "return"],
        [0, 2, "callothersubr", "return"],
        ["return"],
        rect(300, 100, 60, 500) + ["return"],            # 4: C only
        rect(200, 300, 300, 60) + ["return"],            # 5: A D
        [100, 60, "hstem", "return"],                    # 6: B (hint replacement)
        [200, 60, "hstem", "return"],                    # 7: D only (hint replacement)
    ]
    glyphs = {
        ".notdef": [0, 500, "hsbw", "endchar"],
        "A": [0, 600, "hsbw", 5, "callsubr", "endchar"],
        "B": [0, 600, "hsbw", 6, 1, 3, "callothersubr", "pop", "callsubr"] + rect(100, 100, 60, 600) + ["endchar"],
        "C": [0, 600, "hsbw", 4, "callsubr", "endchar"],
        "D": [0, 600, "hsbw", 7, 1, 3, "callothersubr", "pop", "callsubr", 5, "callsubr"] + rect(400, 100, 60, 500) + ["endchar"],
        "E": [0, 600, "hsbw"] + rect(100, 400, 400, 60) + ["endchar"],
        "F": [0, 600, "hsbw"] + rect(100, 500, 300, 60) + ["endchar"],
        "acute": [0, 300, "hsbw"] + rect(100, 700, 100, 60) + ["endchar"],
        # seac: asb adx ady bchar achar
        "Aacute": [0, 600, "hsbw", 0, 150, 0, 65, 194, "seac"],
    }
    enc = "".join("dup %d /%s put\n" % (65 + i, n) for i, n in enumerate("ABCDEF")) + "dup 193 /Aacute put\n"
    clear = ("%!PS-AdobeFont-1.0: KiyomeT1 001.000\n"
             "12 dict begin\n/FontName /KiyomeT1 def\n/PaintType 0 def\n/FontType 1 def\n"
             "/FontMatrix [0.001 0 0 0.001 0 0] readonly def\n/FontBBox {0 -200 1000 800} readonly def\n"
             "/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n" + enc +
             "readonly def\ncurrentdict end\ncurrentfile eexec\n").encode("latin-1")
    priv = bytearray(b"dup /Private 8 dict dup begin\n/RD{string currentfile exch readstring pop}executeonly def\n"
                     b"/ND{noaccess def}executeonly def\n/NP{noaccess put}executeonly def\n"
                     b"/BlueValues [-12 0 800 812] def\n/MinFeature{16 16}def\n/password 5839 def\n")
    priv += b"/Subrs %d array\n" % len(subrs)
    for i, s in enumerate(subrs):
        b = cs(s)
        priv += b"dup %d %d RD " % (i, len(b)) + b + b" NP\n"
    priv += b"ND\n2 index /CharStrings %d dict dup begin\n" % len(glyphs)
    for n, g in glyphs.items():
        b = cs(g)
        priv += b"/%s %d RD " % (n.encode(), len(b)) + b + b" ND\n"
    priv += b"end\nend\nreadonly put\nnoaccess put\ndup/FontName get exch definefont pop\nmark currentfile closefile\n"
    enc_part = eexec.encrypt(b"\x17\x2a\x91\x03" + bytes(priv), 55665)[0]
    trailer = (b"0" * 64 + b"\n") * 8 + b"cleartomark\n"
    with open(os.path.join(HERE, "t1.pfa"), "wb") as f:
        f.write(clear + enc_part + trailer)
    with open(os.path.join(HERE, "t1.lengths"), "w") as f:
        f.write("%d %d %d\n" % (len(clear), len(enc_part), len(trailer)))


cid_font()
t1c_font()
t1_font()
