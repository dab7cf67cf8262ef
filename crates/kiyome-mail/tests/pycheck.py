# Independent second opinion on mail: Python's email package (policy.default).
# Usage: python3 pycheck.py FILE...   -> one JSON line per file:
# {"path", "messages": [{"subject", "defects", "bodies", "names", "types"}]} or {"path","error"}
import json, sys, mailbox
from email import policy
from email.parser import BytesParser

def walk(part, top, out):
    out["defects"] += [type(d).__name__ for d in part.defects]
    for k, v in part.items():
        out["defects"] += ["%s:%s" % (k, type(d).__name__) for d in getattr(v, "defects", ())]
    ct = part.get_content_type()
    out["types"].append(ct)
    fn = part.get_filename()
    if fn:
        out["names"].append(str(fn))
    if part.is_multipart():
        for sub in part.iter_parts():
            walk(sub, top and ct != "message/rfc822", out)
        return
    if ct == "message/rfc822":
        for sub in part.get_payload():
            walk(sub, False, out)
        return
    if top and ct == "text/plain" and part.get_content_disposition() != "attachment":
        try:
            out["bodies"].append(part.get_content())
        except Exception as e:  # unknown charset and the like
            out["bodies"].append(None)

def describe(msg):
    out = {"defects": [], "bodies": [], "names": [], "types": []}
    try:
        s = msg["subject"]
        out["subject"] = None if s is None else str(s)
    except Exception:
        out["subject"] = None
    walk(msg, True, out)
    return out

for path in sys.argv[1:]:
    try:
        if path.endswith(".mbox"):
            box = mailbox.mbox(path, factory=lambda f: BytesParser(policy=policy.default).parse(f), create=False)
            msgs = [describe(m) for m in box]
        else:
            with open(path, "rb") as f:
                data = f.read()
            if path.endswith(".emlx"):
                first, _, rest = data.partition(b"\n")
                data = rest[: int(first.strip())]
            msgs = [describe(BytesParser(policy=policy.default).parsebytes(data))]
        print(json.dumps({"path": path, "messages": msgs}, ensure_ascii=False))
    except Exception as e:
        print(json.dumps({"path": path, "error": "%s: %s" % (type(e).__name__, e)}))
