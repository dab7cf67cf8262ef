#!/usr/bin/env python3
"""Independent reading of a font program by fontTools, for tests/pdf_cff_type1.rs.

    dump_font.py KIND FILE        KIND: cff | otf | type1

Prints JSON: glyph names (CFF charset; CID-keyed: cidNNNNN), each glyph's outline as drawn
by fontTools (recording pen; seac as components), the subroutines as decompiled programs,
Font DICT names, the built-in encoding (code → name) and, for Type 1, the cleartext part.
"""
import io, json, sys
from fontTools.pens.recordingPen import RecordingPen


def prog(cs):
    cs.decompile()
    return [x if isinstance(x, (int, float, str)) else x.hex() for x in cs.program]


def outlines(glyphset, names):
    out = {}
    for n in names:
        p = RecordingPen()
        glyphset[n].draw(p)
        out[n] = [[op, [list(a) if isinstance(a, tuple) else a for a in args]] for op, args in p.value]
    return out


kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
res = {}
if kind in ("cff", "otf"):
    if kind == "otf":
        from fontTools.ttLib import TTFont
        f = TTFont(io.BytesIO(data))
        cff = f["CFF "].cff
        res["glyph_order"] = f.getGlyphOrder()
        res["hmtx"] = {n: list(f["hmtx"][n]) for n in f.getGlyphOrder()}
    else:
        from fontTools.cffLib import CFFFontSet
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
    top = cff[cff.fontNames[0]]
    cs = top.CharStrings
    res["names"] = list(top.charset)
    res["outlines"] = outlines(cs, top.charset)
    res["global_subrs"] = [prog(s) for s in cff.GlobalSubrs]
    if hasattr(top, "FDArray"):
        res["fd_names"] = [getattr(fd, "FontName", None) for fd in top.FDArray]
        res["local_subrs"] = [[prog(s) for s in getattr(fd.Private, "Subrs", [])] for fd in top.FDArray]
        res["fd_select"] = list(top.FDSelect.gidArray)
    else:
        res["local_subrs"] = [[prog(s) for s in getattr(top.Private, "Subrs", [])]]
        enc = top.Encoding
        if not isinstance(enc, str):
            res["encoding"] = {str(i): n for i, n in enumerate(enc) if n != ".notdef"}
    res["strings"] = [str(s) for s in cff.strings.strings]
else:
    import tempfile
    from fontTools.t1Lib import T1Font
    if b"cleartomark" not in data[-600:]:
        # PDF allows the trailer to be left out (/Length3 0); fontTools needs it to find
        # the end of the eexec part.
        data = data + b"\n" + (b"0" * 64 + b"\n") * 8 + b"cleartomark\n"
    with tempfile.NamedTemporaryFile(suffix=".pfa") as tf:
        tf.write(data)
        tf.flush()
        t = T1Font(tf.name)
        # T1Font.parse needs /Subrs; fonts without any are valid (TeX's CMSY subsets).
        from fontTools.misc import psLib
        probe = psLib.suckfont(t.data, t.encoding)
        if "Subrs" not in probe["Private"]:
            real = psLib.suckfont
            def suck(data, enc=None):
                f = real(data, enc)
                f["Private"]["Subrs"] = []
                return f
            psLib.suckfont = suck
        t.parse()
        names = list(t.font["CharStrings"].keys())
        res["names"] = names
        res["outlines"] = outlines(t.getGlyphSet(), names)
        res["local_subrs"] = [[prog(s) for s in t.font["Private"]["Subrs"]]]
        enc = t.font["Encoding"]
        res["encoding"] = {str(i): n for i, n in enumerate(enc) if n != ".notdef"}
json.dump(res, sys.stdout)
