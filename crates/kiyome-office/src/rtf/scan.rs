//! One pass over an RTF file that records everything inspect reports and disarm removes:
//! objects (`\object` groups and stray `\objdata` destinations), fields and their
//! instructions, and `\bin` runs, each with its byte span.

use super::lexer::{Lexer, Tok};
use crate::ole::word::{self, DdeField};
use kiyome_core::{Ctx, Error, LimitKind};

/// Deepest group nesting accepted (Word's own limit is far lower in practice).
const MAX_DEPTH: usize = 4096;

/// An embedded or linked object.
#[derive(Debug, Default)]
pub struct Object {
    /// Span of the `\object` group (or of the stray `\objdata` group).
    pub span: (usize, usize),
    /// Inner span of its `\result` group (after `\result`, before the closing brace).
    pub result: Option<(usize, usize)>,
    /// Class from `\objclass`.
    pub class: String,
    /// Decoded `\objdata` bytes.
    pub data: Vec<u8>,
    /// `\objupdate`: Word refreshes the object on open (runs the server).
    pub update: bool,
    /// `\objautlink` / `\objlink`.
    pub link: Option<&'static str>,
    /// `\bin` runs inside the object data.
    pub bins: usize,
}

/// A field whose instruction reaches outside the document.
#[derive(Debug)]
pub struct Field {
    /// Span of the `\field` group.
    pub span: (usize, usize),
    /// Inner span of its `\fldrslt` group.
    pub result: Option<(usize, usize)>,
    /// The classified instruction.
    pub dde: DdeField,
}

/// A `\bin` run.
#[derive(Debug)]
pub struct Bin {
    /// Span of `\binN` and its bytes.
    pub span: (usize, usize),
    /// Span of the raw bytes.
    pub raw: (usize, usize),
    /// Inside `\pict` (picture data: equivalent to hex).
    pub in_pict: bool,
    /// Inside object data.
    pub in_object: bool,
}

/// What the pass found.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Objects, in order of their end.
    pub objects: Vec<Object>,
    /// DDE-like fields.
    pub fields: Vec<Field>,
    /// `\bin` runs.
    pub bins: Vec<Bin>,
    /// End of the first top-level group: Word stops reading there.
    pub doc_end: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    Unknown,
    Plain,
    Object,
    ObjData,
    ObjClass,
    Result,
    Field,
    FldInst,
    FldRslt,
    Pict,
}

struct Frame {
    dest: Dest,
    start: usize,
    body: usize,
    star: bool,
}

struct FieldAcc {
    start: usize,
    instr: String,
    result: Option<(usize, usize)>,
}

fn in_dest(stack: &[Frame], d: Dest) -> bool {
    stack.iter().any(|f| f.dest == d)
}

/// Scans `data`. Object data is capped by the stream-size limit and charged to the budget.
pub fn analyze(data: &[u8], ctx: &Ctx<'_>) -> Result<Analysis, Error> {
    let mut a = Analysis::default();
    let mut lx = Lexer::new(data);
    let mut stack: Vec<Frame> = Vec::new();
    let mut objs: Vec<(usize, Object)> = Vec::new();
    let mut fields: Vec<FieldAcc> = Vec::new();
    let mut nibble: Option<u8> = None;
    let cap = ctx.limits().max_stream_bytes as usize;
    let mut n = 0u64;
    while let Some((tok, s, e)) = lx.next_tok() {
        n += 1;
        if n.is_multiple_of(65536) {
            ctx.budget.check_time()?;
        }
        let in_objdata = in_dest(&stack, Dest::ObjData);
        match tok {
            Tok::Open => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::limit(
                        LimitKind::Objects,
                        stack.len() as u64,
                        MAX_DEPTH as u64,
                    ));
                }
                stack.push(Frame {
                    dest: Dest::Unknown,
                    start: s,
                    body: e,
                    star: false,
                });
            }
            Tok::Close => {
                let Some(f) = stack.pop() else { continue };
                let depth = stack.len();
                match f.dest {
                    Dest::Object => {
                        if let Some(i) = objs.iter().rposition(|(d, _)| *d == depth) {
                            let (_, mut o) = objs.remove(i);
                            o.span = (f.start, e);
                            a.objects.push(o);
                        }
                    }
                    Dest::ObjData if !in_dest(&stack, Dest::Object) => {
                        if let Some(i) = objs.iter().rposition(|(d, _)| *d == depth) {
                            let (_, mut o) = objs.remove(i);
                            o.span = (f.start, e);
                            a.objects.push(o);
                        }
                    }
                    Dest::Result => {
                        if let Some((_, o)) = objs.last_mut() {
                            o.result = Some((f.body, s));
                        }
                    }
                    Dest::FldRslt => {
                        if let Some(fa) = fields.last_mut() {
                            fa.result = Some((f.body, s));
                        }
                    }
                    Dest::Field => {
                        if let Some(fa) = fields.pop()
                            && let Some(dde) = word::classify_instruction(&fa.instr)
                        {
                            a.fields.push(Field {
                                span: (f.start, e),
                                result: fa.result,
                                dde,
                            });
                        }
                    }
                    _ => {}
                }
                if stack.is_empty() && a.doc_end.is_none() {
                    a.doc_end = Some(e);
                }
            }
            Tok::Symbol(b'*') => {
                if let Some(f) = stack.last_mut() {
                    f.star = true;
                }
            }
            Tok::Word(name, param) => {
                let lname = name.to_ascii_lowercase();
                let depth = stack.len();
                let in_object = in_dest(&stack, Dest::Object);
                if let Some(f) = stack.last_mut()
                    && f.dest == Dest::Unknown
                {
                    f.dest = match lname.as_slice() {
                        b"object" => Dest::Object,
                        b"objdata" => Dest::ObjData,
                        b"objclass" => Dest::ObjClass,
                        b"result" => Dest::Result,
                        b"field" => Dest::Field,
                        b"fldinst" => Dest::FldInst,
                        b"fldrslt" => Dest::FldRslt,
                        b"pict" => Dest::Pict,
                        _ => Dest::Plain,
                    };
                    f.body = e;
                    match f.dest {
                        Dest::Object => objs.push((depth - 1, Object::default())),
                        Dest::ObjData if !in_object => objs.push((depth - 1, Object::default())),
                        Dest::Field => fields.push(FieldAcc {
                            start: f.start,
                            instr: String::new(),
                            result: None,
                        }),
                        _ => {}
                    }
                    if matches!(stack.last().map(|f| f.dest), Some(Dest::ObjData)) {
                        nibble = None;
                    }
                }
                // Word accepts \objdata after other control words of its group (oletools
                // issue 251): it starts object data wherever it appears.
                if lname == b"objdata"
                    && let Some(f) = stack.last_mut()
                    && f.dest != Dest::ObjData
                {
                    f.dest = Dest::ObjData;
                    f.body = e;
                    nibble = None;
                    if !in_object {
                        objs.push((depth - 1, Object::default()));
                    }
                }
                if let Some((_, o)) = objs.last_mut() {
                    match lname.as_slice() {
                        b"objupdate" => o.update = true,
                        b"objautlink" => o.link = Some("auto-updating link"),
                        b"objlink" => o.link = o.link.or(Some("link")),
                        _ => {}
                    }
                }
                if in_dest(&stack, Dest::FldInst)
                    && let Some(fa) = fields.last_mut()
                {
                    // Control words inside an instruction (\u, \'xx, formatting) are ignored
                    // except \uN, which Word turns into the character.
                    if lname == b"u"
                        && let Some(c) = param.and_then(|p| char::from_u32(p as u16 as u32))
                    {
                        fa.instr.push(c);
                    }
                }
            }
            Tok::Text(t) => {
                if in_objdata {
                    if let Some((_, o)) = objs.last_mut() {
                        for &b in t {
                            let Some(v) = (b as char).to_digit(16) else {
                                continue;
                            };
                            match nibble.take() {
                                Some(h) => {
                                    if o.data.len() < cap {
                                        o.data.push(h << 4 | v as u8);
                                    }
                                }
                                None => nibble = Some(v as u8),
                            }
                        }
                    }
                } else if in_dest(&stack, Dest::ObjClass) {
                    if let Some((_, o)) = objs.last_mut()
                        && o.class.len() < 128
                    {
                        o.class.extend(
                            t.iter()
                                .filter(|c| !c.is_ascii_control())
                                .map(|&c| c as char),
                        );
                    }
                } else if in_dest(&stack, Dest::FldInst)
                    && let Some(fa) = fields.last_mut()
                    && fa.instr.len() < 4096
                {
                    fa.instr.extend(
                        t.iter()
                            .filter(|&&c| c != b'\r' && c != b'\n')
                            .map(|&c| c as char),
                    );
                }
            }
            Tok::Hex(b) => {
                if in_dest(&stack, Dest::FldInst)
                    && let Some(fa) = fields.last_mut()
                    && fa.instr.len() < 4096
                {
                    fa.instr.push(b as char);
                }
            }
            Tok::Bin(raw) => {
                let in_object = in_objdata;
                if in_object && let Some((_, o)) = objs.last_mut() {
                    nibble = None;
                    o.bins += 1;
                    let room = cap.saturating_sub(o.data.len());
                    o.data.extend_from_slice(&raw[..raw.len().min(room)]);
                }
                a.bins.push(Bin {
                    span: (s, e),
                    raw: (e - raw.len(), e),
                    in_pict: in_dest(&stack, Dest::Pict),
                    in_object,
                });
            }
            Tok::Symbol(c @ (b'\\' | b'{' | b'}')) => {
                if in_dest(&stack, Dest::FldInst)
                    && let Some(fa) = fields.last_mut()
                    && fa.instr.len() < 4096
                {
                    fa.instr.push(c as char);
                }
            }
            Tok::Symbol(_) => {}
        }
    }
    // Unclosed groups at end of file: Word still acts on what it read.
    while let Some(f) = stack.pop() {
        let depth = stack.len();
        if matches!(f.dest, Dest::Object | Dest::ObjData)
            && let Some(i) = objs.iter().rposition(|(d, _)| *d == depth)
        {
            let (_, mut o) = objs.remove(i);
            o.span = (f.start, data.len());
            a.objects.push(o);
        }
    }
    for fa in fields {
        if let Some(dde) = word::classify_instruction(&fa.instr) {
            a.fields.push(Field {
                span: (fa.start, data.len()),
                result: fa.result,
                dde,
            });
        }
    }
    let total: usize = a.objects.iter().map(|o| o.data.len()).sum();
    ctx.budget.consume(total as u64)?;
    Ok(a)
}
