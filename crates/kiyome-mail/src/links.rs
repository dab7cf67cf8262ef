//! Links: parsing scheme and host, defanging (`hxxp://example[.]com`), and finding URLs in
//! plain text.

use kiyome_core::Severity;

/// A link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Lower-case scheme (`https`, `mailto`, `javascript`, `file`, `unc` for `\\host\share`,
    /// empty for relative references).
    pub scheme: String,
    /// Lower-case host, when the scheme has one.
    pub host: String,
}

impl Link {
    /// Whether loading this target reaches the network (a remote resource).
    pub fn is_remote(&self) -> bool {
        matches!(
            self.scheme.as_str(),
            "http" | "https" | "ftp" | "unc" | "file"
        ) || (self.scheme.is_empty() && !self.host.is_empty())
    }

    /// Severity of a link to this target: web and mail links are Low; script, data, file and
    /// UNC targets (NTLM hash leaks, local execution) are Medium, `javascript:`/`vbscript:`
    /// High.
    pub fn severity(&self) -> Severity {
        match self.scheme.as_str() {
            "http" | "https" | "mailto" | "" | "tel" | "cid" => Severity::Low,
            "javascript" | "vbscript" => Severity::High,
            _ => Severity::Medium,
        }
    }

    /// `scheme host` for finding details.
    pub fn detail(&self) -> String {
        if self.host.is_empty() {
            self.scheme.clone()
        } else {
            format!("{} {}", self.scheme, self.host)
        }
    }
}

/// Parses a link target leniently (browsers strip whitespace and control characters inside
/// the scheme: `java\tscript:` still runs).
pub fn parse_link(raw: &str) -> Link {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    if cleaned.starts_with("\\\\") || cleaned.starts_with("//") && cleaned.contains('\\') {
        let host = cleaned.trim_start_matches(['\\', '/']);
        let host = host.split(['\\', '/']).next().unwrap_or("");
        return Link {
            scheme: "unc".into(),
            host: host.to_ascii_lowercase(),
        };
    }
    if let Some(h) = cleaned.strip_prefix("//") {
        return Link {
            scheme: String::new(),
            host: host_of(h),
        };
    }
    match cleaned.find(':') {
        Some(i)
            if i > 0
                && cleaned[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            let scheme = cleaned[..i].to_ascii_lowercase();
            let rest = &cleaned[i + 1..];
            let host = match rest.strip_prefix("//") {
                Some(r) => host_of(r),
                None if scheme == "mailto" => rest
                    .split('?')
                    .next()
                    .and_then(|a| a.rsplit_once('@'))
                    .map(|(_, d)| d.to_ascii_lowercase())
                    .unwrap_or_default(),
                None => String::new(),
            };
            Link { scheme, host }
        }
        _ => Link {
            scheme: String::new(),
            host: String::new(),
        },
    }
}

fn host_of(after_slashes: &str) -> String {
    let authority = after_slashes
        .split(['/', '?', '#', '\\'])
        .next()
        .unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    host.to_ascii_lowercase().chars().take(255).collect()
}

/// Makes a URL non-clickable but readable: `http` → `hxxp`, the dots of the host → `[.]`,
/// `:` of other schemes → `[:]`.
pub fn defang(url: &str) -> String {
    let url: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(2048)
        .collect();
    let lower = url.to_ascii_lowercase();
    for (scheme, repl) in [
        ("https://", "hxxps://"),
        ("http://", "hxxp://"),
        ("ftp://", "fxp://"),
    ] {
        if lower.starts_with(scheme) {
            let rest = &url[scheme.len()..];
            let (host, tail) = match rest.find(['/', '?', '#']) {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            return format!("{repl}{}{tail}", host.replace('.', "[.]"));
        }
    }
    if lower.starts_with("www.") {
        let (host, tail) = match url.find(['/', '?', '#']) {
            Some(i) => url.split_at(i),
            None => (url.as_str(), ""),
        };
        return format!("{}{tail}", host.replace('.', "[.]"));
    }
    match url.find(':') {
        Some(i) if !lower.starts_with("mailto:") => format!("{}[:]{}", &url[..i], &url[i + 1..]),
        _ => url.replace('@', "[@]"),
    }
}

/// URLs in plain text (`http://`, `https://`, `ftp://`, `file://`, `www.`), as byte ranges.
pub fn find_urls(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lower.len() {
        let rest = &lower[i..];
        let hit = ["https://", "http://", "ftp://", "file://", "www."]
            .iter()
            .filter_map(|p| rest.find(p))
            .min();
        let Some(off) = hit else { break };
        let start = i + off;
        // `www.` must start a word; `xwww.` is not a link.
        let word_start = start == 0 || !lower.as_bytes()[start - 1].is_ascii_alphanumeric();
        let len = lower[start..]
            .find(|c: char| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '<' | '>' | '"' | '「' | '」' | '）' | '、' | '。')
                    || !c.is_ascii()
            })
            .unwrap_or(lower.len() - start);
        let end = start + len;
        let trimmed = text[start..end].trim_end_matches(['.', ',', ')', ']', ';', '!', '?']);
        if word_start && trimmed.len() > 6 {
            out.push((start, start + trimmed.len()));
        }
        i = end.max(start + 1);
        if out.len() > 10_000 {
            break;
        }
    }
    out
}

/// Defangs every URL in `text` and returns the links found.
pub fn defang_text(text: &str) -> (String, Vec<Link>) {
    let ranges = find_urls(text);
    let mut out = String::with_capacity(text.len());
    let mut links = Vec::new();
    let mut last = 0;
    for (s, e) in ranges {
        out.push_str(&text[last..s]);
        let url = &text[s..e];
        let full = if url.to_ascii_lowercase().starts_with("www.") {
            format!("http://{url}")
        } else {
            url.to_string()
        };
        links.push(parse_link(&full));
        out.push_str(&defang(url));
        last = e;
    }
    out.push_str(&text[last..]);
    (out, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defang_forms() {
        assert_eq!(defang("http://example.com/a.b"), "hxxp://example[.]com/a.b");
        assert_eq!(defang("HTTPS://x.y"), "hxxps://x[.]y");
        assert_eq!(defang("javascript:alert(1)"), "javascript[:]alert(1)");
        assert_eq!(defang("www.example.jp/x"), "www[.]example[.]jp/x");
    }

    #[test]
    fn parse_link_sees_through_obfuscation() {
        assert_eq!(parse_link("java\tscript:alert(1)").scheme, "javascript");
        assert_eq!(parse_link("\\\\10.0.0.1\\share\\x").scheme, "unc");
        let l = parse_link("https://user@Evil.Example:8443/p");
        assert_eq!(
            (l.scheme.as_str(), l.host.as_str()),
            ("https", "evil.example")
        );
        assert_eq!(parse_link("mailto:a@b.jp?subject=x").host, "b.jp");
    }

    #[test]
    fn text_urls_are_found_and_defanged() {
        let (t, links) = defang_text("詳細は https://example.jp/info。 or www.example.com.");
        assert_eq!(
            t,
            "詳細は hxxps://example[.]jp/info。 or www[.]example[.]com."
        );
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].host, "www.example.com");
    }
}
