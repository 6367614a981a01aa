//! The Dockerfile parser: parser directives, comments, line continuations, here-documents,
//! instruction flags and the JSON (exec) form.
//!
//! Hand-written rather than `parse-dockerfile` 0.1: that crate recognises a RUN here-document
//! only when `<<` starts the arguments and only one of them (`RUN cat <<EOF > /file`, the most
//! common form, is rejected as an unknown instruction), and it returns shell-form commands
//! with their line continuations still in. The grammar is BuildKit's line-based one.
use super::BuildError;

/// One here-document of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (`EOF` in `<<EOF`).
    pub name: String,
    /// The body, each line ending with `\n`.
    pub content: String,
    /// False when the delimiter was quoted: no variable expansion.
    pub expand: bool,
}

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The 1-based line of its keyword.
    pub line: usize,
    /// The keyword, upper case (`RUN`).
    pub keyword: String,
    /// Leading `--name=value` flags (value None for a bare `--name`).
    pub flags: Vec<(String, Option<String>)>,
    /// The rest of the line after the flags, trimmed.
    pub args: String,
    /// Here-documents, in order.
    pub heredocs: Vec<Heredoc>,
    /// The instruction as written (continuations joined), for the progress output.
    pub original: String,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// The arguments as a JSON array of strings (the exec form), if they are one.
    pub fn json_args(&self) -> Option<Vec<String>> {
        let a = self.args.trim();
        if !a.starts_with('[') {
            return None;
        }
        serde_json::from_str::<Vec<String>>(a).ok()
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub escape: char,
    pub syntax: Option<String>,
    pub instructions: Vec<Instruction>,
}

pub const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// Instructions whose leading `--flags` are flags (elsewhere `--x` is an argument).
const WITH_FLAGS: &[&str] = &["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"];

fn syntax_error(file: &str, line: usize, msg: impl Into<String>) -> BuildError {
    BuildError::Syntax {
        file: file.to_string(),
        line,
        message: msg.into(),
    }
}

/// Parse Dockerfile text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Dockerfile, BuildError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut escape = '\\';
    let mut syntax = None;
    let mut i = 0;
    // Parser directives: `# key=value` lines at the very top.
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(rest) = l.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || k.contains(char::is_whitespace) {
            break;
        }
        let v = v.trim();
        match k.as_str() {
            "escape" => {
                escape = match v {
                    "\\" => '\\',
                    "`" => '`',
                    other => {
                        return Err(syntax_error(
                            file,
                            i + 1,
                            format!("invalid escape token '{other}' does not match ` or \\"),
                        ))
                    }
                }
            }
            "syntax" => syntax = Some(v.to_string()),
            _ => {}
        }
        i += 1;
    }
    let mut instructions = Vec::new();
    while i < lines.len() {
        let raw = lines[i].trim_end_matches('\r');
        let t = raw.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i + 1;
        // Join continuation lines; comment and blank lines inside are dropped.
        let mut logical = String::new();
        let mut cur = raw.to_string();
        loop {
            let trimmed = cur.trim_end();
            if let Some(body) = trimmed.strip_suffix(escape) {
                logical.push_str(body);
                i += 1;
                // The next line that is not a comment (blank lines are skipped, as BuildKit does).
                let mut next = None;
                while i < lines.len() {
                    let n = lines[i].trim_end_matches('\r');
                    let nt = n.trim_start();
                    if nt.starts_with('#') || nt.is_empty() {
                        i += 1;
                        continue;
                    }
                    next = Some(n.to_string());
                    break;
                }
                match next {
                    Some(n) => cur = n,
                    None => break,
                }
            } else {
                logical.push_str(&cur);
                i += 1;
                break;
            }
        }
        let logical = logical.trim().to_string();
        let (kw, rest) = match logical.split_once(char::is_whitespace) {
            Some((k, r)) => (k.to_string(), r.trim_start().to_string()),
            None => (logical.clone(), String::new()),
        };
        let keyword = kw.to_ascii_uppercase();
        if !KEYWORDS.contains(&keyword.as_str()) {
            return Err(syntax_error(
                file,
                start,
                format!("unknown instruction: {kw}"),
            ));
        }
        let mut inst = parse_instruction(&keyword, &rest, start, file)?;
        inst.original = logical.clone();
        // Here-documents follow the instruction's line.
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && inst.json_args().is_none() {
            for (name, strip_tabs, expand) in heredoc_markers(&inst.args) {
                let mut content = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i].trim_end_matches('\r');
                    i += 1;
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == name {
                        closed = true;
                        break;
                    }
                    content.push_str(cmp);
                    content.push('\n');
                }
                if !closed {
                    return Err(syntax_error(
                        file,
                        start,
                        format!("unterminated heredoc {name}"),
                    ));
                }
                inst.heredocs.push(Heredoc {
                    name,
                    content,
                    expand,
                });
            }
        }
        instructions.push(inst);
    }
    Ok(Dockerfile {
        escape,
        syntax,
        instructions,
    })
}

fn parse_instruction(
    keyword: &str,
    rest: &str,
    line: usize,
    file: &str,
) -> Result<Instruction, BuildError> {
    let mut flags = Vec::new();
    let mut args = rest.trim();
    if WITH_FLAGS.contains(&keyword) {
        while let Some(f) = args.strip_prefix("--") {
            let end = f.find(char::is_whitespace).unwrap_or(f.len());
            let word = &f[..end];
            if word.is_empty() {
                break;
            }
            let (n, v) = match word.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (word.to_string(), None),
            };
            flags.push((n, v));
            args = f[end..].trim_start();
        }
    }
    if args.is_empty() && !matches!(keyword, "CMD" | "ENTRYPOINT" | "HEALTHCHECK") {
        return Err(syntax_error(
            file,
            line,
            format!("{keyword} requires at least one argument"),
        ));
    }
    Ok(Instruction {
        line,
        keyword: keyword.to_string(),
        flags,
        args: args.to_string(),
        heredocs: Vec::new(),
        original: String::new(),
    })
}

/// The here-document markers of a line: (delimiter, `<<-`, expand).
pub fn heredoc_markers(args: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    let b: Vec<char> = args.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '<' && b.get(i + 1) == Some(&'<') && b.get(i + 2) != Some(&'<') => {
                let mut j = i + 2;
                let strip = b.get(j) == Some(&'-');
                if strip {
                    j += 1;
                }
                let q = match b.get(j) {
                    Some(&c @ ('"' | '\'')) => {
                        j += 1;
                        Some(c)
                    }
                    _ => None,
                };
                let s = j;
                while j < b.len() && (b[j].is_alphanumeric() || b[j] == '_' || b[j] == '-') {
                    j += 1;
                }
                let name: String = b[s..j].iter().collect();
                if let Some(q) = q {
                    if b.get(j) == Some(&q) {
                        j += 1;
                    } else {
                        i += 1;
                        continue;
                    }
                }
                if !name.is_empty() {
                    out.push((name, strip, q.is_none()));
                }
                i = j;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_flags() {
        let d = parse(
            "# syntax=docker/dockerfile:1\n# escape=\\\n\nFROM --platform=linux/amd64 busybox AS b\n# c\nRUN echo a \\\n# inside\n    && echo b\nCOPY --chown=1:2 --link a b /c/\ncmd [\"sh\"]\n",
            "Dockerfile",
        )
        .unwrap();
        assert_eq!(d.syntax.as_deref(), Some("docker/dockerfile:1"));
        let i = &d.instructions;
        assert_eq!(i.len(), 4);
        assert_eq!(i[0].flag("platform"), Some("linux/amd64"));
        assert_eq!(i[0].args, "busybox AS b");
        assert_eq!(i[1].args, "echo a     && echo b");
        assert_eq!(i[1].line, 6);
        assert_eq!(i[2].flag("chown"), Some("1:2"));
        assert_eq!(i[2].flag("link"), Some(""));
        assert_eq!(i[3].keyword, "CMD");
        assert_eq!(i[3].json_args(), Some(vec!["sh".to_string()]));
    }

    #[test]
    fn heredocs() {
        let d = parse(
            "FROM x\nRUN <<EOT\necho hi\nEOT\nRUN cat <<'EOF' > /x && cat <<-B > /y\na $HOME\nEOF\n\tb\n\tB\nCOPY <<EOF /f\nc\nEOF\n",
            "Dockerfile",
        )
        .unwrap();
        let i = &d.instructions;
        assert_eq!(i.len(), 4);
        assert_eq!(i[1].heredocs[0].content, "echo hi\n");
        assert_eq!(i[2].heredocs.len(), 2);
        assert!(!i[2].heredocs[0].expand);
        assert_eq!(i[2].heredocs[0].content, "a $HOME\n");
        assert_eq!(i[2].heredocs[1].content, "b\n");
        assert_eq!(i[3].heredocs[0].content, "c\n");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("FROM x\n\nFOO bar\n", "my.Dockerfile").unwrap_err();
        assert_eq!(e.to_string(), "my.Dockerfile:3: unknown instruction: FOO");
        let e = parse("FROM x\nRUN <<EOF\nno end\n", "Dockerfile").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("Dockerfile:2: unterminated heredoc"));
        let e = parse("FROM x\nENV\n", "Dockerfile").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Dockerfile:2: ENV requires at least one argument"
        );
    }

    #[test]
    fn escape_directive() {
        let d = parse("# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo\n", "D").unwrap();
        assert_eq!(d.instructions[1].args, "dir c:\\   && echo");
    }
}
