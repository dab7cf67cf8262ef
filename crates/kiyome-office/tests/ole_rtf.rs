//! OLE and RTF: fixtures report their factors, disarm removes them (checked by our own
//! re-inspection and by olevba/rtfobj/LibreOffice as second opinions), text survives, and
//! every corpus file is handled without a panic or a hang.

use kiyome_core::{Budget, Ctx, Inspection, Kind, KindClass, Limits, NoNesting, corpus, sniff};
use kiyome_office::{OfficeOptions, ole, rtf};
use std::path::Path;
use std::time::{Duration, Instant};

fn inspect(data: &[u8], kind: Kind) -> Result<Inspection, kiyome_core::Error> {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut out = Inspection::default();
    match kind.class() {
        KindClass::Rtf => rtf::inspect(data, kind, &ctx, &mut out)?,
        _ => ole::inspect(data, kind, &ctx, &mut out)?,
    }
    Ok(out)
}

fn disarm(data: &[u8], kind: Kind) -> Result<(Vec<u8>, Inspection), kiyome_core::Error> {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut out = Inspection::default();
    let opts = OfficeOptions::default();
    let d = match kind.class() {
        KindClass::Rtf => rtf::disarm(data, kind, &ctx, &opts, &mut out)?,
        _ => ole::disarm(data, kind, &ctx, &opts, &mut out)?,
    };
    Ok((d.data, out))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(corpus::fixtures_dir().join(name)).expect("fixture present")
}

fn dangerous(i: &Inspection) -> Vec<String> {
    i.findings
        .iter()
        .filter(|f| f.severity.is_dangerous())
        .map(|f| format!("{} {} {}", f.code, f.location, f.detail))
        .collect()
}

#[test]
fn fixtures_report_their_factors() {
    for (name, kind, codes) in [
        ("rtf_package_bat.rtf", Kind::Rtf, &["rtf.object"][..]),
        (
            "rtf_equation_objupdate.rtf",
            Kind::Rtf,
            &["rtf.object", "rtf.objupdate"],
        ),
        ("rtf_ddeauto_field.rtf", Kind::Rtf, &["rtf.dde"]),
        ("rtf_objdata_obfuscated.rtf", Kind::Rtf, &["rtf.object"]),
        ("doc_vba_ddeauto.doc", Kind::Doc, &["ole.vba", "ole.dde"]),
        ("doc_vba_macros.doc", Kind::Doc, &["ole.vba"]),
        ("xls_xlm_macro_sheet.xls", Kind::Xls, &["ole.xlm_macro"]),
    ] {
        let i = inspect(&fixture(name), kind).unwrap();
        for c in codes {
            assert!(i.has(c), "{name}: missing {c}: {:?}", i.findings);
        }
    }
    let i = inspect(&fixture("rtf_objdata_obfuscated.rtf"), Kind::Rtf).unwrap();
    let obj = i.findings.iter().find(|f| f.code == "rtf.object").unwrap();
    assert!(
        obj.detail.contains("Package") && obj.detail.contains("a.js"),
        "{obj:?}"
    );
}

#[test]
fn japanese_rtf_control_is_clean_and_its_text_decodes() {
    let data = fixture("rtf_japanese_clean.rtf");
    assert!(dangerous(&inspect(&data, Kind::Rtf).unwrap()).is_empty());
    let text = rtf::rtf_text(&data).unwrap();
    assert!(
        text.contains("住民の皆様へ") && text.contains("お知らせ"),
        "{text:?}"
    );
    assert!(
        !text.contains("ＭＳ") && !text.contains("公報"),
        "font table or info leaked: {text:?}"
    );
}

#[test]
fn rtf_disarm_removes_objects_and_fields_keeps_text_and_is_idempotent() {
    for name in [
        "rtf_package_bat.rtf",
        "rtf_equation_objupdate.rtf",
        "rtf_ddeauto_field.rtf",
        "rtf_objdata_obfuscated.rtf",
        "rtf_japanese_clean.rtf",
    ] {
        let data = fixture(name);
        let (out, _) = disarm(&data, Kind::Rtf).unwrap();
        let again = inspect(&out, Kind::Rtf).unwrap();
        assert!(dangerous(&again).is_empty(), "{name}: {:?}", again.findings);
        let (twice, log) = disarm(&out, Kind::Rtf).unwrap();
        assert_eq!(twice, out, "{name}: second disarm changed the output");
        assert!(log.findings.is_empty(), "{name}: {:?}", log.findings);
    }
    let (out, _) = disarm(&fixture("rtf_ddeauto_field.rtf"), Kind::Rtf).unwrap();
    let text = rtf::rtf_text(&out).unwrap();
    assert!(
        text.contains("Report") && text.contains("Total"),
        "{text:?}"
    );
    let clean = fixture("rtf_japanese_clean.rtf");
    let (out, _) = disarm(&clean, Kind::Rtf).unwrap();
    assert_eq!(rtf::rtf_text(&out).unwrap(), rtf::rtf_text(&clean).unwrap());
}

#[test]
fn doc_disarm_removes_the_vba_storage_and_is_idempotent() {
    let (out, log) = disarm(&fixture("doc_vba_macros.doc"), Kind::Doc).unwrap();
    assert!(
        log.findings.iter().any(|f| f.code == "ole.vba"),
        "{:?}",
        log.findings
    );
    let again = inspect(&out, Kind::Doc).unwrap();
    assert!(dangerous(&again).is_empty(), "{:?}", again.findings);
    let (twice, log2) = disarm(&out, Kind::Doc).unwrap();
    assert!(log2.findings.is_empty(), "{:?}", log2.findings);
    assert_eq!(streams(&twice), streams(&out));
}

/// Every stream path and content of a compound file (timestamps aside).
fn streams(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut c = cfb::CompoundFile::open(std::io::Cursor::new(data)).unwrap();
    let paths: Vec<_> = c
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    paths
        .into_iter()
        .map(|p| {
            let mut v = Vec::new();
            c.open_stream(&p).unwrap().read_to_end(&mut v).unwrap();
            (p.display().to_string(), v)
        })
        .collect()
}

#[test]
fn what_cannot_be_disarmed_safely_is_blocked_with_a_reason() {
    for (name, kind) in [
        ("doc_vba_ddeauto.doc", Kind::Doc),
        ("xls_xlm_macro_sheet.xls", Kind::Xls),
    ] {
        let err = disarm(&fixture(name), kind).unwrap_err();
        assert_eq!(err.code(), "unsupported", "{name}: {err}");
    }
}

fn corpus_files(test: &str) -> Vec<std::path::PathBuf> {
    let Some(dir) = corpus::shared_corpus(test) else {
        return Vec::new();
    };
    let mut v = corpus::files_under(&dir.join("ole-legacy"));
    v.extend(corpus::files_under(&dir.join("rtf")));
    v.extend(
        corpus::files_under(&dir.join("email"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "msg")),
    );
    v.retain(|p| {
        let d = std::fs::read(p).unwrap();
        matches!(
            sniff(&d, None).kind.class(),
            KindClass::Ole | KindClass::Rtf
        )
    });
    v
}

#[test]
fn corpus_inspect_and_disarm_never_panic_and_outputs_reinspect_clean() {
    for p in corpus_files("corpus_inspect_and_disarm") {
        let data = std::fs::read(&p).unwrap();
        let kind = sniff(&data, None).kind;
        let t = Instant::now();
        let _ = inspect(&data, kind);
        if let Ok((out, _)) = disarm(&data, kind) {
            let again = inspect(&out, kind).unwrap();
            assert!(
                dangerous(&again).is_empty(),
                "{}: {:?}",
                p.display(),
                again.findings
            );
            if kind == Kind::Rtf
                && let (Ok(a), Ok(b)) = (rtf::rtf_text(&data), rtf::rtf_text(&out))
            {
                let plain = inspect(&data, kind).unwrap();
                if !plain.has("rtf.object") && !plain.has("rtf.dde") {
                    assert_eq!(a, b, "{}: text changed", p.display());
                }
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{} too slow",
            p.display()
        );
    }
}

/// Disarmed outputs of the macro and object samples, written to `dir`.
fn disarmed_samples(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut inputs: Vec<(String, Vec<u8>)> =
        vec![("doc_vba_macros.doc".into(), fixture("doc_vba_macros.doc"))];
    if let Some(c) = corpus::shared_corpus_dir() {
        for f in [
            "ole-legacy/poi__SimpleMacro.doc",
            "ole-legacy/poi__SimpleMacro.xls",
            "ole-legacy/tika__testWORD_macros.doc",
            "ole-legacy/poi__word_with_embeded.doc",
            "rtf/tika__testRTFEmbeddedFiles.rtf",
            "rtf/oletools__issue_251.rtf",
        ] {
            inputs.push((f.replace('/', "_"), std::fs::read(c.join(f)).unwrap()));
        }
    }
    for (name, data) in inputs {
        let kind = sniff(&data, Some(&name)).kind;
        let (bytes, _) = disarm(&data, kind).unwrap();
        let p = dir.join(format!("disarmed_{name}"));
        std::fs::write(&p, bytes).unwrap();
        out.push(p);
    }
    out
}

#[test]
fn olevba_and_rtfobj_find_nothing_in_disarmed_outputs() {
    let (Some(olevba), Some(rtfobj)) = (corpus::peer_tool("olevba"), corpus::peer_tool("rtfobj"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for p in disarmed_samples(dir.path()) {
        let is_rtf = p.extension().is_some_and(|e| e == "rtf");
        let tool = if is_rtf { &rtfobj } else { &olevba };
        let o = std::process::Command::new(tool).arg(&p).output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        if is_rtf {
            assert!(
                !text.lines().any(|l| l
                    .split('|')
                    .next()
                    .is_some_and(|c| c.trim().parse::<u32>().is_ok())),
                "rtfobj found an object in {}:\n{text}",
                p.display()
            );
        } else {
            assert!(
                text.contains("No VBA or XLM macros found"),
                "olevba found macros in {}:\n{text}",
                p.display()
            );
        }
    }
}

#[test]
fn libreoffice_converts_disarmed_outputs_to_pdf() {
    let Some(soffice) = corpus::peer_tool("soffice") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    // The fixture .doc is a minimal FIB that only our parser needs; LibreOffice is asked
    // about the real documents.
    let samples: Vec<_> = disarmed_samples(dir.path())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("disarmed_doc_vba_macros"))
        .collect();
    for p in samples {
        let o = std::process::Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&p)
            .output()
            .unwrap();
        let pdf = p.with_extension("pdf");
        let ok = std::fs::metadata(&pdf).is_ok_and(|m| m.len() > 100);
        assert!(
            ok,
            "LibreOffice did not convert {}: {}",
            p.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Deterministic mutations (truncation, byte flips, zeroed runs) of every OLE/RTF fixture:
/// inspect and disarm return a value or an error, never a panic or a long run.
#[test]
fn mutated_fixtures_never_panic_or_hang() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in [
        "rtf_package_bat.rtf",
        "rtf_equation_objupdate.rtf",
        "rtf_objdata_obfuscated.rtf",
        "doc_vba_ddeauto.doc",
        "doc_vba_macros.doc",
        "xls_xlm_macro_sheet.xls",
    ] {
        let orig = fixture(name);
        let kind = sniff(&orig, Some(name)).kind;
        for round in 0..150 {
            let mut d = orig.clone();
            match round % 3 {
                0 => d.truncate((next() as usize) % d.len().max(1)),
                1 => {
                    for _ in 0..8 {
                        let i = (next() as usize) % d.len();
                        d[i] = next() as u8;
                    }
                }
                _ => {
                    let i = (next() as usize) % d.len();
                    let n = ((next() as usize) % 64).min(d.len() - i);
                    d[i..i + n].fill(0xFF);
                }
            }
            let t = Instant::now();
            let _ = inspect(&d, kind);
            let _ = disarm(&d, kind);
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{name} round {round} too slow"
            );
        }
    }
}
