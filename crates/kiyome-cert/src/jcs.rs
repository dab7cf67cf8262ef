//! Canonical JSON per RFC 8785 (JSON Canonicalization Scheme), for the value types kiyome emits.
//!
//! Scope, by design: strings, booleans, null, arrays, objects and integers with magnitude below
//! 2^53 (so that every JCS implementation, including ECMAScript-number based ones, prints them
//! identically). Floating-point numbers are refused instead of being printed with the ES6
//! number algorithm (RFC 8785 §3.2.2.3): the certificate model has none, and refusing is safer
//! than a subtly different rendering.

use crate::{Error, Result};
use serde_json::Value;

/// Largest integer magnitude accepted (2^53 − 1, RFC 8785 §3.2.2.3 / I-JSON RFC 7493 §2.2).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Serialises `value` to its canonical form.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Serialises any `Serialize` value canonically (via `serde_json::Value`).
pub fn to_canonical<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    let v = serde_json::to_value(value).map_err(|e| Error::Canonical(e.to_string()))?;
    canonicalize(&v)
}

/// Parses `bytes` as `T` and insists that they are exactly the canonical serialisation of the
/// parsed value. This rejects unknown fields, `null` for absent optionals, whitespace, other key
/// orders and escapes: every byte of a signed record means something.
pub fn parse_canonical<T>(bytes: &[u8], what: &str) -> Result<T>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let v: T = serde_json::from_slice(bytes).map_err(|e| Error::malformed(what, e))?;
    if to_canonical(&v)? != bytes {
        return Err(Error::malformed(
            what,
            "not in canonical form (RFC 8785) or carries unknown fields",
        ));
    }
    Ok(v)
}

fn write_value(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(Error::Canonical(format!("integer {u} exceeds 2^53-1")));
                }
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(Error::Canonical(format!("integer {i} exceeds 2^53-1")));
                }
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(Error::Canonical(format!(
                    "floating-point number {n} is outside kiyome's canonical subset"
                )));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(x, out)?;
            }
            out.push(b']');
        }
        Value::Object(m) => {
            // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names, which
            // differs from UTF-8/code-point order for characters above U+FFFF.
            let mut keys: Vec<(&String, Vec<u16>)> =
                m.keys().map(|k| (k, k.encode_utf16().collect())).collect();
            keys.sort_by(|a, b| a.1.cmp(&b.1));
            out.push(b'{');
            for (i, (k, _)) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                if let Some(x) = m.get(*k) {
                    write_value(x, out)?;
                }
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// RFC 8785 §3.2.2.2: the ECMAScript JSON.stringify escaping — `"` and `\` escaped, the short
/// forms \b \t \n \f \r, other controls below U+0020 as lower-case \u00xx, everything else
/// (including non-ASCII and U+007F) written as UTF-8.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let v: Value = serde_json::from_str(s).unwrap();
        String::from_utf8(canonicalize(&v).unwrap()).unwrap()
    }

    #[test]
    fn rfc8785_sorting_example_orders_by_utf16_code_units() {
        // RFC 8785 §3.2.3 sorting example (values replaced by strings; floats are out of scope).
        let input = r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#;
        let expected_order = [
            "\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let out = canon(input);
        let parsed: serde_json::Map<String, Value> = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.len(), 7);
        let mut pos = Vec::new();
        for k in expected_order {
            let needle =
                String::from_utf8(canonicalize(&Value::String(k.into())).unwrap()).unwrap();
            pos.push(out.find(&format!("{needle}:")).unwrap());
        }
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{out}");
    }

    #[test]
    fn rfc8785_string_escapes() {
        // RFC 8785 §3.2.2.2 example string: controls, quote, backslash, non-ASCII kept literal.
        let v = Value::String("\u{20ac}$\u{f}\nA'B\"\\\\\"/".into());
        let out = String::from_utf8(canonicalize(&v).unwrap()).unwrap();
        assert_eq!(out, "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
        assert_eq!(
            canon(r#""\u007f\u001F\b\f\t""#),
            "\"\u{7f}\\u001f\\b\\f\\t\""
        );
    }

    #[test]
    fn whitespace_and_nesting_removed() {
        assert_eq!(
            canon(" { \"b\" : [ 1 , true , null , { \"z\":0, \"a\" : -5 } ] , \"a\" : \"x\" } "),
            r#"{"a":"x","b":[1,true,null,{"a":-5,"z":0}]}"#
        );
    }

    #[test]
    fn floats_and_unsafe_integers_refused() {
        assert!(canonicalize(&serde_json::json!(1.5)).is_err());
        assert!(canonicalize(&serde_json::json!(9007199254740992u64)).is_err());
        assert!(canonicalize(&serde_json::json!(-9007199254740992i64)).is_err());
        assert_eq!(canon("9007199254740991"), "9007199254740991");
    }

    #[test]
    fn parse_canonical_rejects_non_canonical_bytes() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct T {
            a: u32,
            #[serde(skip_serializing_if = "Option::is_none", default)]
            b: Option<String>,
        }
        assert!(parse_canonical::<T>(br#"{"a":1}"#, "t").is_ok());
        assert!(parse_canonical::<T>(br#"{"a":1,"b":null}"#, "t").is_err());
        assert!(parse_canonical::<T>(br#"{ "a":1}"#, "t").is_err());
        assert!(parse_canonical::<T>(br#"{"a":1,"c":2}"#, "t").is_err());
        assert!(parse_canonical::<T>(br#"{"b":"x","a":1}"#, "t").is_err());
        assert!(parse_canonical::<T>(br#"{"a":1,"b":"\u0041"}"#, "t").is_err());
    }
}
