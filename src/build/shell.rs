//! Docker's word processing for the instructions that expand variables (FROM, COPY, ADD, ENV,
//! ARG, LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD's caller): quotes, the
//! escape character, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
//! `${VAR+alt}`, `${VAR:?message}`.

/// Expand `s` as one word (quotes removed, whitespace kept).
pub fn expand_word(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    escape: char,
) -> Result<String, String> {
    Ok(process(s, lookup, escape, false)?.join(" "))
}

/// Expand `s` and split it into words at unquoted whitespace.
pub fn expand_words(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    escape: char,
) -> Result<Vec<String>, String> {
    process(s, lookup, escape, true)
}

/// Expand the variables of a here-document's body: `$VAR` and `${...}`, `\$` for a literal
/// dollar; quotes and everything else are kept as they are.
pub fn expand_heredoc(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\\' && c.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
        } else if c[i] == '$' {
            let (v, n) = dollar(&c, i, lookup, '\\')?;
            out.push_str(&v);
            i = n;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn process(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    escape: char,
    split: bool,
) -> Result<Vec<String>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if split && ch.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut cur));
                in_word = false;
            }
            i += 1;
            continue;
        }
        in_word = true;
        if ch == escape {
            match c.get(i + 1) {
                Some(&n) => {
                    cur.push(n);
                    i += 2;
                }
                None => {
                    cur.push(ch);
                    i += 1;
                }
            }
        } else if ch == '\'' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '\'' {
                cur.push(c[j]);
                j += 1;
            }
            if j >= c.len() {
                return Err(
                    "unexpected end of statement while looking for matching single-quote".into(),
                );
            }
            i = j + 1;
        } else if ch == '"' {
            let mut j = i + 1;
            loop {
                let Some(&d) = c.get(j) else {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                };
                if d == '"' {
                    break;
                }
                if d == escape
                    && matches!(c.get(j + 1), Some(&n) if n == '"' || n == '$' || n == escape)
                {
                    cur.push(c[j + 1]);
                    j += 2;
                } else if d == '$' {
                    let (v, n) = dollar(&c, j, lookup, escape)?;
                    cur.push_str(&v);
                    j = n;
                } else {
                    cur.push(d);
                    j += 1;
                }
            }
            i = j + 1;
        } else if ch == '$' {
            let (v, n) = dollar(&c, i, lookup, escape)?;
            cur.push_str(&v);
            i = n;
        } else {
            cur.push(ch);
            i += 1;
        }
    }
    if in_word || !split {
        words.push(cur);
    }
    Ok(words)
}

/// Expand the `$...` at `c[i]`; returns the value and the index after it.
fn dollar(
    c: &[char],
    i: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    escape: char,
) -> Result<(String, usize), String> {
    let name_char = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    match c.get(i + 1) {
        Some('{') => {
            // Find the matching brace.
            let mut depth = 0;
            let mut j = i + 1;
            let mut end = None;
            while j < c.len() {
                match c[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let end = end.ok_or("missing '}' in a variable substitution")?;
            let inner: String = c[i + 2..end].iter().collect();
            let name_end = inner.find(|ch: char| !name_char(ch)).unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() {
                return Err(format!("bad substitution: ${{{inner}}}"));
            }
            let rest = &inner[name_end..];
            let val = lookup(name);
            let word = |w: &str| expand_word(w, lookup, escape);
            let out = if rest.is_empty() {
                val.unwrap_or_default()
            } else if let Some(w) = rest.strip_prefix(":-") {
                match val {
                    Some(v) if !v.is_empty() => v,
                    _ => word(w)?,
                }
            } else if let Some(w) = rest.strip_prefix(":+") {
                match val {
                    Some(v) if !v.is_empty() => word(w)?,
                    _ => String::new(),
                }
            } else if let Some(w) = rest.strip_prefix(":?") {
                match val {
                    Some(v) if !v.is_empty() => v,
                    _ => return Err(format!("{name}: {}", word(w)?)),
                }
            } else if let Some(w) = rest.strip_prefix('-') {
                val.unwrap_or(word(w)?)
            } else if let Some(w) = rest.strip_prefix('+') {
                if val.is_some() {
                    word(w)?
                } else {
                    String::new()
                }
            } else if let Some(w) = rest.strip_prefix('?') {
                match val {
                    Some(v) => v,
                    None => return Err(format!("{name}: {}", word(w)?)),
                }
            } else {
                return Err(format!("unsupported modifier ({rest}) in substitution"));
            };
            Ok((out, end + 1))
        }
        Some(&n) if name_char(n) => {
            let mut j = i + 1;
            while j < c.len() && name_char(c[j]) {
                j += 1;
            }
            let name: String = c[i + 1..j].iter().collect();
            Ok((lookup(&name).unwrap_or_default(), j))
        }
        _ => Ok(("$".into(), i + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        match k {
            "A" => Some("1".into()),
            "E" => Some(String::new()),
            "SP" => Some("x y".into()),
            _ => None,
        }
    }

    #[test]
    fn substitution_like_docker() {
        let w = |s: &str| expand_word(s, &env, '\\').unwrap();
        assert_eq!(w("$A ${A}x"), "1 1x");
        assert_eq!(w("${B:-def}/${A:-def}"), "def/1");
        assert_eq!(w("${E:-d}|${E-d}|${B-d}"), "d||d");
        assert_eq!(w("${A:+alt}|${B:+alt}|${E+alt}"), "alt||alt");
        assert_eq!(w("'$A' \"$A\" \\$A"), "$A 1 $A");
        assert_eq!(w("${B:-${A}}"), "1");
        assert!(expand_word("${B:?needed}", &env, '\\').is_err());
        assert_eq!(
            expand_words("a \"b c\" $SP ''", &env, '\\').unwrap(),
            vec!["a", "b c", "x y", ""]
        );
        assert_eq!(expand_word("c:\\x `$A", &env, '`').unwrap(), "c:\\x $A");
        assert_eq!(
            expand_heredoc("echo \"$A\" '${B:-b}' \\$A\n", &env).unwrap(),
            "echo \"1\" 'b' $A\n"
        );
    }
}
