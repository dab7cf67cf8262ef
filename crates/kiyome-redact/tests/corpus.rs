//! Scrub over the shared real-world corpus (ooxml-general, ooxml-macro, odf, images-metadata):
//! no panic on any file, every output passes the independent verifier, and nothing that was
//! comment, deleted (tracked-change) or hidden text in the input survives in the output bytes;
//! no comments, people, tracked changes, rsids, thumbnails or custom XML remain (found by
//! this test's own walk, not the verifier's).
//! Prints one line per file and a summary (refusals are allowed: they are default deny).

use kiyome_core::corpus::shared_corpus;
use kiyome_core::{Budget, Ctx, KindClass, Limits, NoNesting, sniff};
use kiyome_office::opc::Package;
use kiyome_office::xml::{self, Ev};
use kiyome_redact::office::{self, ScrubOptions};
use kiyome_redact::{Plan, RedactionReport, image};
use std::collections::{BTreeMap, BTreeSet};

const CATEGORIES: &[&str] = &["ooxml-general", "ooxml-macro", "odf", "images-metadata"];

/// Texts of the input that must not survive a scrub: comment parts, deleted runs, hidden
/// runs, ODF annotations and tracked-change regions. Only strings of at least 8 bytes that do
/// not also occur as visible text are kept, so a match in the output is a leak.
fn hidden_texts(data: &[u8]) -> Vec<String> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let Ok(mut pkg) = Package::open(data, &ctx, "ooxml") else {
        return Vec::new();
    };
    let mut hidden: Vec<String> = Vec::new();
    let mut visible = String::new();
    for name in pkg.names() {
        let l = name.to_ascii_lowercase();
        if !l.ends_with(".xml") {
            continue;
        }
        let Ok(bytes) = pkg.read(&name, &ctx) else {
            continue;
        };
        let comments_part = l.contains("comments") && !l.contains("_rels");
        let mut stack: Vec<String> = Vec::new();
        let mut vanish_run = false;
        let _ = xml::scan(&bytes, &name, &ctx, |ev| {
            match ev {
                Ev::Start(el, empty) => {
                    let local = el.local();
                    // Attribute values (style names, tooltips) are visible text for this
                    // purpose: a hidden run may repeat them.
                    for (_, v) in &el.attrs {
                        visible.push_str(v);
                        visible.push('\n');
                    }
                    if local == "vanish"
                        && stack.iter().rev().nth(1).map(|s| s.as_str()) == Some("r")
                        && !matches!(el.attr("val"), Some("0") | Some("false"))
                    {
                        vanish_run = true;
                    }
                    if !empty {
                        stack.push(local.to_string());
                    }
                }
                Ev::End(n) => {
                    if xml::local(n) == "r" {
                        vanish_run = false;
                    }
                    stack.pop();
                }
                Ev::Text(t) => {
                    let t = t.trim();
                    if t.len() < 8 {
                        return Ok(());
                    }
                    let in_any = |names: &[&str]| stack.iter().any(|s| names.contains(&s.as_str()));
                    if comments_part
                        || in_any(&[
                            "del",
                            "delText",
                            "annotation",
                            "tracked-changes",
                            "moveFrom",
                        ])
                        || vanish_run
                    {
                        hidden.push(t.to_string());
                    } else {
                        visible.push_str(t);
                        visible.push('\n');
                    }
                }
            }
            Ok(())
        });
    }
    hidden.retain(|h| !visible.contains(h.as_str()));
    hidden.sort();
    hidden.dedup();
    hidden
}

/// Hidden information by kind, found by this test's own walk of the package (not the
/// verifier's): the kinds the issue names — comments and their people, tracked changes,
/// session ids (rsids), thumbnails, custom XML.
fn features(data: &[u8], odf: bool) -> BTreeSet<&'static str> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = BTreeSet::new();
    let Ok(mut pkg) = Package::open(data, &ctx, if odf { "odf" } else { "ooxml" }) else {
        return out;
    };
    for name in pkg.names() {
        let l = name.to_ascii_lowercase();
        let file = l.rsplit('/').next().unwrap_or(&l);
        if !l.contains("_rels/")
            && (l.starts_with("word/comments")
                || l.starts_with("xl/comments")
                || l.starts_with("xl/threadedcomments/")
                || l.starts_with("ppt/comments/")
                || l == "ppt/commentauthors.xml")
        {
            out.insert("comments");
        }
        if file == "people.xml" || l.starts_with("xl/persons/") || l == "ppt/authors.xml" {
            out.insert("people");
        }
        if l.starts_with("xl/revisions/") {
            out.insert("tracked changes");
        }
        if l.starts_with("docprops/thumbnail") || l.starts_with("thumbnails/") {
            out.insert("thumbnail");
        }
        if l.starts_with("customxml/") {
            out.insert("custom xml");
        }
        if !l.ends_with(".xml") {
            continue;
        }
        let Ok(bytes) = pkg.read(&name, &ctx) else {
            continue;
        };
        let _ = xml::scan(&bytes, &name, &ctx, |ev| {
            if let Ev::Start(el, _) = ev {
                let local = el.local();
                let word = el.name.starts_with("w:");
                if word
                    && matches!(
                        local,
                        "ins" | "del" | "moveFrom" | "moveTo" | "rPrChange" | "pPrChange"
                    )
                    || odf && matches!(local, "tracked-changes" | "changed-region")
                {
                    out.insert("tracked changes");
                }
                if odf && matches!(local, "annotation" | "annotation-end") {
                    out.insert("comments");
                }
                if word && matches!(local, "commentReference" | "commentRangeStart") {
                    out.insert("comments");
                }
                if word && local == "rsids"
                    || el.attrs.iter().any(|(k, _)| {
                        let lk = xml::local(k);
                        k.starts_with("w:rsid")
                            || lk == "paraId"
                            || odf && (lk == "rsid" || lk == "paragraph-rsid")
                    })
                {
                    out.insert("rsids");
                }
            }
            Ok(())
        });
    }
    out
}

fn all_bytes(data: &[u8]) -> Vec<u8> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Vec::new();
    if let Ok(mut pkg) = Package::open(data, &ctx, "ooxml") {
        for n in pkg.names() {
            if let Ok(d) = pkg.read(&n, &ctx) {
                out.extend(d);
            }
        }
    }
    out
}

#[test]
fn scrub_shared_corpus_no_crash_verified_and_no_hidden_text_left() {
    let Some(root) = shared_corpus("redact office/image corpus") else {
        return;
    };
    let mut tally: BTreeMap<String, u32> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    // Inputs that had each kind of hidden information (none may keep it).
    let mut had: BTreeMap<&str, u32> = BTreeMap::new();
    for cat in CATEGORIES {
        let mut files: Vec<_> = std::fs::read_dir(root.join(cat))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let data = std::fs::read(&path).unwrap();
            let kind = sniff(&data, Some(&name)).kind;
            let class = kind.class();
            if !matches!(class, KindClass::Ooxml | KindClass::Odf | KindClass::Image) {
                *tally.entry("skipped (other kind)".into()).or_default() += 1;
                println!("{cat}/{name}: skipped ({kind})");
                continue;
            }
            let plan = Plan::default();
            let res = std::panic::catch_unwind(|| {
                let b = Budget::new(&Limits::default());
                let ctx = Ctx::new(&b, &NoNesting);
                let mut r = RedactionReport::new(&plan, "00");
                let out = if class == KindClass::Image {
                    image::redact(&data, kind, &plan, &ctx, &mut r)
                } else {
                    office::scrub(&data, kind, &ScrubOptions::default(), &ctx, &mut r)
                }?;
                let b2 = Budget::new(&Limits::default());
                let ctx2 = Ctx::new(&b2, &NoNesting);
                let v = if class == KindClass::Image {
                    image::verify(&out.data, out.kind, &plan, &ctx2)
                } else {
                    office::verify(&out.data, out.kind, &plan, &ctx2)
                }?;
                Ok::<_, kiyome_core::Error>((out, v))
            });
            match res {
                Err(_) => {
                    *tally.entry("CRASH".into()).or_default() += 1;
                    failures.push(format!("{cat}/{name}: panic"));
                }
                Ok(Err(e)) => {
                    *tally.entry(format!("refused {}", e.code())).or_default() += 1;
                    println!("{cat}/{name}: refused {} ({e})", e.code());
                }
                Ok(Ok((out, v))) => {
                    if !v.is_clean() {
                        *tally.entry("verify failed".into()).or_default() += 1;
                        failures.push(format!("{cat}/{name}: leaks {:?}", v.leaks));
                        continue;
                    }
                    if class != KindClass::Image {
                        let odf = class == KindClass::Odf;
                        let before = features(&data, odf);
                        let after = features(&out.data, odf);
                        for f in &before {
                            *had.entry(*f).or_default() += 1;
                        }
                        for f in &after {
                            failures.push(format!("{cat}/{name}: {f} survive the scrub"));
                        }
                        let bytes = all_bytes(&out.data);
                        for h in hidden_texts(&data) {
                            if bytes.windows(h.len()).any(|w| w == h.as_bytes()) {
                                failures.push(format!(
                                    "{cat}/{name}: hidden text survives ({} bytes)",
                                    h.len()
                                ));
                            }
                        }
                    }
                    *tally.entry("scrubbed and verified".into()).or_default() += 1;
                    println!(
                        "{cat}/{name}: ok ({} -> {} bytes)",
                        data.len(),
                        out.data.len()
                    );
                }
            }
        }
    }
    println!("summary: {tally:?}");
    println!("inputs with hidden information, all removed: {had:?}");
    assert!(failures.is_empty(), "{failures:#?}");
}
