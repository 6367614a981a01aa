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
