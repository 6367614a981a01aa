//! Compose's variable interpolation (`${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`) over a parsed file, and the
//! `.env` file format.
//!
//! Written by hand: the rules are compose-go's (`template/template.go`), small, and no
//! maintained Rust crate implements this exact dialect (nested defaults, `$$`, errors).
use std::collections::BTreeMap;

use serde_json::Value;

/// Where variables come from: the process environment over the `.env` file.
pub type Vars = BTreeMap<String, String>;

/// Replace variables in every string of `v` (keys are left alone, as compose does). `path` is
/// the key path used in errors (`services.web.image`).
pub fn interpolate(v: &mut Value, vars: &Vars, path: &str) -> Result<(), String> {
    match v {
        Value::String(s) => {
            *s = substitute(s, vars).map_err(|e| format!("{path}: {e}"))?;
        }
        Value::Array(a) => {
            for (i, item) in a.iter_mut().enumerate() {
                interpolate(item, vars, &format!("{path}[{i}]"))?;
            }
        }
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                interpolate(item, vars, &p)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Substitute the variables of one string.
pub fn substitute(s: &str, vars: &Vars) -> Result<String, String> {
    let chars: Vec<char> = s.chars().collect();
    let (out, end) = expand(&chars, 0, vars, false)?;
    debug_assert_eq!(end, chars.len());
    Ok(out)
}

/// Expand from `i`; inside a `${…}` default (`nested`), stop at the matching `}`. Returns the
/// text and the index after it.
fn expand(c: &[char], mut i: usize, vars: &Vars, nested: bool) -> Result<(String, usize), String> {
    let mut out = String::new();
    while i < c.len() {
        match c[i] {
            '}' if nested => return Ok((out, i)),
            '$' if c.get(i + 1) == Some(&'$') => {
                out.push('$');
                i += 2;
            }
            '$' if c.get(i + 1) == Some(&'{') => {
                let (text, next) = braced(c, i + 2, vars)?;
                out.push_str(&text);
                i = next;
            }
            '$' if c
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') =>
            {
                let start = i + 1;
                let mut j = start;
                while j < c.len() && (c[j].is_ascii_alphanumeric() || c[j] == '_') {
                    j += 1;
                }
                let name: String = c[start..j].iter().collect();
                out.push_str(vars.get(&name).map(String::as_str).unwrap_or(""));
                i = j;
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    if nested {
        return Err("invalid interpolation format: missing '}'".into());
    }
    Ok((out, i))
}

/// `${` seen; `i` is the first character of the name.
fn braced(c: &[char], i: usize, vars: &Vars) -> Result<(String, usize), String> {
    let mut j = i;
    while j < c.len() && (c[j].is_ascii_alphanumeric() || c[j] == '_') {
        j += 1;
    }
    let name: String = c[i..j].iter().collect();
    let whole = || -> String {
        let end = c[i..].iter().position(|c| *c == '}').map(|p| i + p + 1);
        format!(
            "${{{}",
            c[i..end.unwrap_or(c.len())].iter().collect::<String>()
        )
    };
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("invalid interpolation format for {:?}", whole()));
    }
    let value = vars.get(&name);
    match c.get(j) {
        Some('}') => Ok((value.cloned().unwrap_or_default(), j + 1)),
        Some(':') | Some('-') | Some('?') | Some('+') => {
            let colon = c[j] == ':';
            let op_at = if colon { j + 1 } else { j };
            let op = match c.get(op_at) {
                Some(op @ ('-' | '?' | '+')) => *op,
                _ => return Err(format!("invalid interpolation format for {:?}", whole())),
            };
            let (arg, end) = expand(c, op_at + 1, vars, true)?;
            // `:` treats an empty value as unset.
            let set = match value {
                Some(v) => !colon || !v.is_empty(),
                None => false,
            };
            let text = match op {
                '-' if set => value.cloned().unwrap_or_default(),
                '-' => arg,
                '+' if set => arg,
                '+' => String::new(),
                _ if set => value.cloned().unwrap_or_default(),
                _ => {
                    return Err(if arg.is_empty() {
                        format!("required variable {name} is missing a value")
                    } else {
                        format!("required variable {name} is missing a value: {arg}")
                    })
                }
            };
            Ok((text, end + 1))
        }
        _ => Err(format!("invalid interpolation format for {:?}", whole())),
    }
}

/// Parse a `.env` file as compose does: `KEY=VALUE` lines, `#` comments, an optional `export `
/// prefix, single quotes kept literal, double quotes with `\n` escapes, and `${VAR}` expanded
/// from earlier lines and `vars`. A line with no `=` is an error.
pub fn parse_dotenv(text: &str, vars: &Vars) -> Result<Vars, String> {
    let mut out = Vars::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!(
                "line {}: unexpected character in variable name {line:?}",
                n + 1
            ));
        };
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!("line {}: invalid variable name {k:?}", n + 1));
        }
        let v = v.trim();
        let value = if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            inner.to_string()
        } else {
            let (body, quoted) = match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(inner) => (inner.replace("\\n", "\n").replace("\\\"", "\""), true),
                None => {
                    // An unquoted value ends at ` #`.
                    let body = match v.find(" #") {
                        Some(p) => v[..p].trim_end(),
                        None => v,
                    };
                    (body.to_string(), false)
                }
            };
            let _ = quoted;
            let mut scope = vars.clone();
            for (k, v) in &out {
                scope.entry(k.clone()).or_insert_with(|| v.clone());
            }
            substitute(&body, &scope).map_err(|e| format!("line {}: {e}", n + 1))?
        };
        out.insert(k.to_string(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        [("A", "a"), ("EMPTY", "")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms() {
        let v = vars();
        let s = |t: &str| substitute(t, &v);
        assert_eq!(s("x${A}y$A-$$A").unwrap(), "xaya-$A");
        assert_eq!(s("${B:-def}").unwrap(), "def");
        assert_eq!(s("${EMPTY:-def}").unwrap(), "def");
        assert_eq!(s("${EMPTY-def}").unwrap(), "");
        assert_eq!(s("${B-${A}x}").unwrap(), "ax");
        assert_eq!(s("${A:+alt}").unwrap(), "alt");
        assert_eq!(s("${B:+alt}").unwrap(), "");
        assert_eq!(s("${B}").unwrap(), "");
        assert_eq!(
            s("${B:?need B}").unwrap_err(),
            "required variable B is missing a value: need B"
        );
        assert_eq!(
            s("${EMPTY:?}").unwrap_err(),
            "required variable EMPTY is missing a value"
        );
        assert_eq!(s("${EMPTY?x}").unwrap(), "");
        assert!(s("${A").is_err());
        assert!(s("${}").is_err());
        assert!(s("${A!}").is_err());
        assert_eq!(s("cost: 5$").unwrap(), "cost: 5$");
    }

    #[test]
    fn dotenv() {
        let v = vars();
        let e = parse_dotenv(
            "# c\nX=1\nexport Y = 'lit $A'\nZ=\"q ${X}\\n\"\nW=v # comment\nU=${A}\n",
            &v,
        )
        .unwrap();
        assert_eq!(e["X"], "1");
        assert_eq!(e["Y"], "lit $A");
        assert_eq!(e["Z"], "q 1\n");
        assert_eq!(e["W"], "v");
        assert_eq!(e["U"], "a");
        assert!(parse_dotenv("NOEQ\n", &v).is_err());
    }
}
