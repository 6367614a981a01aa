//! Reading systemd unit files the way systemd does, for tests that run what a generated unit
//! would run without a systemd manager: sections and keys (continuation lines joined), and the
//! command line of an `Exec*=` key split as `systemd.service(5)` says (specifiers first, then
//! words with double or single quotes and C escapes, then `$$` to `$`).
use std::collections::HashMap;

/// `(section, key, value)` for every assignment, in file order.
pub fn entries(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        if pending.is_empty() {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            if t.starts_with('[') && t.ends_with(']') {
                section = t[1..t.len() - 1].to_string();
                continue;
            }
        } else if line.trim_start().starts_with('#') || line.trim_start().starts_with(';') {
            // Comments inside a continued line are skipped, as systemd does.
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let whole = std::mem::take(&mut pending);
        let (k, v) = whole
            .split_once('=')
            .unwrap_or_else(|| panic!("not an assignment: {whole:?}"));
        out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
    }
    out
}

/// The values of `key` in `section`.
pub fn values(text: &str, section: &str, key: &str) -> Vec<String> {
    entries(text)
        .into_iter()
        .filter(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v)
        .collect()
}

/// The one value of `key` in `section` (panics if there is not exactly one).
pub fn value(text: &str, section: &str, key: &str) -> String {
    let v = values(text, section, key);
    assert_eq!(v.len(), 1, "{section}/{key} in\n{text}");
    v[0].clone()
}

/// Replace `%X` specifiers (`%%` is a `%`); an unknown one panics.
pub fn specifiers(s: &str, spec: &HashMap<char, String>) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('%') => out.push('%'),
            Some(k) => out.push_str(
                spec.get(&k)
                    .unwrap_or_else(|| panic!("specifier %{k} not given in {s:?}")),
            ),
            None => panic!("trailing % in {s:?}"),
        }
    }
    out
}

/// The argv of an `Exec*=` value: specifiers, quoting, escapes, `$$`; a leading `-@:+!` on the
/// first word is dropped.
pub fn exec_argv(value: &str, spec: &HashMap<char, String>) -> Vec<String> {
    exec_argv_env(value, spec, &HashMap::new())
}

/// [`exec_argv`] with the unit's `Environment=`: a word that is just `$NAME` becomes the
/// value's words, `${NAME}` inside a word its value, `$$` a `$`.
pub fn exec_argv_env(
    value: &str,
    spec: &HashMap<char, String>,
    env: &HashMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for w in raw_words(value, spec) {
        if let Some(name) = w
            .strip_prefix('$')
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            out.extend(
                env.get(name)
                    .map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                    .unwrap_or_default(),
            );
            continue;
        }
        let mut w = w;
        for (k, v) in env {
            w = w.replace(&format!("${{{k}}}"), v);
        }
        out.push(w.replace("$$", "$"));
    }
    if let Some(f) = out.first_mut() {
        *f = f.trim_start_matches(['-', '@', ':', '+', '!']).to_string();
    }
    out
}

fn raw_words(value: &str, spec: &HashMap<char, String>) -> Vec<String> {
    let line = specifiers(value, spec);
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut w = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next() {
                    None => panic!("unterminated quote in {value:?}"),
                    Some(c) if c == first => break,
                    Some('\\') => w.push(unescape(&mut chars)),
                    Some(c) => w.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                panic!("a quoted word must end at whitespace in {value:?}");
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    w.push(unescape(&mut chars));
                } else {
                    w.push(c);
                }
            }
        }
        words.push(w);
    }
    words
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> char {
    match chars.next() {
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('\\') => '\\',
        Some('"') => '"',
        Some('\'') => '\'',
        Some('s') => ' ',
        Some('x') => {
            let h: String = chars.take(2).collect();
            char::from(u8::from_str_radix(&h, 16).expect("\\x escape"))
        }
        Some(c) => panic!("unsupported escape \\{c}"),
        None => panic!("trailing backslash"),
    }
}
