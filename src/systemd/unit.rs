//! Writing systemd unit files: quoting one command-line argument so systemd reads it back
//! unchanged (`systemd.syntax(7)`, `systemd.service(5)` "Command lines"), and podman's layout of
//! long command lines (a line break before each option).

/// Quote `arg` for an `Exec*=` line: `%` and `$` doubled (specifiers and variables are not
/// expanded in it), and double quotes with C escapes where systemd would otherwise split or
/// unescape it. `specifiers` false leaves `%` alone (for our own `%t/%n` arguments).
pub fn escape_arg(arg: &str, specifiers: bool) -> String {
    let mut s = arg.replace('$', "$$");
    if specifiers {
        s = s.replace('%', "%%");
    }
    let needs_quotes = s.is_empty()
        || s == ";"
        || s.chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\') || c.is_control());
    if !needs_quotes {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Join already-escaped words the way podman's generated units do: a `\` line break and a tab
/// before every word that starts with `-`.
pub fn format_command(words: &[String]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            if w.starts_with('-') {
                out.push_str(" \\\n\t");
            } else {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

/// Quote a value for an `Environment=` assignment (`"KEY=value with spaces"`).
pub fn escape_env(kv: &str) -> String {
    escape_arg(kv, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_arg("plain", true), "plain");
        assert_eq!(escape_arg("a b", true), "\"a b\"");
        assert_eq!(escape_arg("50%", true), "50%%");
        assert_eq!(escape_arg("%t/x", false), "%t/x");
        assert_eq!(escape_arg("$HOME", true), "$$HOME");
        assert_eq!(escape_arg("say \"hi\"", true), "\"say \\\"hi\\\"\"");
        assert_eq!(escape_arg("a\\b", true), "\"a\\\\b\"");
        assert_eq!(escape_arg("", true), "\"\"");
        assert_eq!(escape_arg(";", true), "\";\"");
    }

    #[test]
    fn layout() {
        let w: Vec<String> = ["/usr/bin/skiff", "run", "-d", "--name", "web", "busybox"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            format_command(&w),
            "/usr/bin/skiff run \\\n\t-d \\\n\t--name web busybox"
        );
    }
}

/// Split a value into words as systemd does for lists and command lines: whitespace between
/// words, double or single quotes around (or inside) a word, C escapes.
pub fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut w = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => w.push(unescape(&mut chars)?),
                (_, c) => w.push(c),
            }
        }
        if quote.is_some() {
            return Err(format!("unbalanced quotes in {s:?}"));
        }
        words.push(w);
    }
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    Ok(match chars.next() {
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('s') => ' ',
        Some('x') => {
            let h: String = chars.take(2).collect();
            char::from(u8::from_str_radix(&h, 16).map_err(|_| format!("bad escape \\x{h}"))?)
        }
        Some(c @ ('\\' | '"' | '\'' | ' ')) => c,
        Some(c) => return Err(format!("unsupported escape \\{c}")),
        None => return Err("trailing backslash".into()),
    })
}

/// One `KEY=VALUE` of a unit file, with its line number (1-based, the first line of a
/// continued one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A section of a unit file and its entries, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<Entry>,
}

/// Parse a unit file (`systemd.syntax(7)`): `[Section]` headers, `KEY=VALUE` lines, `#`/`;`
/// comments, a trailing `\` continues the line. An error names the line.
pub fn parse(text: &str) -> Result<Vec<Section>, (usize, String)> {
    let mut sections: Vec<Section> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if pending.is_none() {
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if trimmed.starts_with('[') {
                if !trimmed.ends_with(']') || trimmed.len() < 3 {
                    return Err((n, format!("invalid section header {trimmed:?}")));
                }
                sections.push(Section {
                    name: trimmed[1..trimmed.len() - 1].to_string(),
                    entries: Vec::new(),
                });
                continue;
            }
        } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let (start, mut acc) = pending.take().unwrap_or((n, String::new()));
        if let Some(head) = line.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(line);
        let Some((k, v)) = acc.split_once('=') else {
            return Err((start, format!("expected KEY=VALUE, got {:?}", acc.trim())));
        };
        let Some(section) = sections.last_mut() else {
            return Err((start, "assignment outside of any section".into()));
        };
        section.entries.push(Entry {
            key: k.trim().to_string(),
            value: v.trim().to_string(),
            line: start,
        });
    }
    if let Some((start, _)) = pending {
        return Err((start, "continued line at the end of the file".into()));
    }
    Ok(sections)
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(
            split_words(r#"A=1 "B=two words" 'C=x y' D="q\"uote" E\ F"#).unwrap(),
            vec!["A=1", "B=two words", "C=x y", "D=q\"uote", "E F"]
        );
        assert!(split_words("\"open").is_err());
    }

    #[test]
    fn sections_and_lines() {
        let text = "# c\n[Unit]\nDescription=x\n\n[Container]\nExec=a \\\n  b\nImage=i\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].entries[0].value, "a    b");
        assert_eq!(s[1].entries[0].line, 6);
        assert_eq!(s[1].entries[1].line, 8);
        assert_eq!(parse("Key=1\n").unwrap_err().0, 1);
        assert_eq!(parse("[A]\nnonsense\n").unwrap_err().0, 2);
    }
}
