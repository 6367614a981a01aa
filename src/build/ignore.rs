//! Path patterns: Go's `filepath.Match` (`*`, `?`, `[a-z]`, `\`: `crate::units::glob_match`)
//! per path segment, plus `**` for any number of segments (`.dockerignore` and COPY/ADD
//! sources), and docker's `.dockerignore` rules (`!` exceptions, the last matching pattern
//! wins, a pattern that matches a directory excludes what is below it).

fn segments_match(p: &[&str], s: &[&str]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(&"**") => (0..=s.len()).any(|k| segments_match(&p[1..], &s[k..])),
        Some(seg) => {
            !s.is_empty()
                && crate::units::glob_match(&seg.replace("**", "*"), s[0])
                && segments_match(&p[1..], &s[1..])
        }
    }
}

/// Clean a pattern or path: no leading `/` or `./`, no empty or `.` segments, `..` resolved.
pub fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// Does `path` (relative, `/`-separated) match `pattern`?
pub fn path_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments_match(&p, &s)
}

pub fn has_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// The patterns of a `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<(String, bool)>,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (neg, p) = match l.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, l),
            };
            let p = clean(p);
            if p.is_empty() {
                continue;
            }
            patterns.push((p, neg));
        }
        Ignore { patterns }
    }

    /// These patterns and `excludes` (COPY --exclude) after them.
    pub fn with_excludes(&self, excludes: &[String]) -> Ignore {
        let mut patterns = self.patterns.clone();
        for e in excludes {
            let p = clean(e);
            if !p.is_empty() {
                patterns.push((p, false));
            }
        }
        Ignore { patterns }
    }

    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|(_, n)| *n)
    }

    /// Is this context path excluded? (moby's MatchesOrParentMatches.)
    pub fn excluded(&self, path: &str) -> bool {
        let mut matched = false;
        let parts: Vec<&str> = path.split('/').collect();
        for (p, exception) in &self.patterns {
            if *exception != matched {
                continue;
            }
            let mut m = path_match(p, path);
            if !m {
                for k in 1..parts.len() {
                    if path_match(p, &parts[..k].join("/")) {
                        m = true;
                        break;
                    }
                }
            }
            if m {
                matched = !exception;
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(path_match("*.txt", "a.txt"));
        assert!(!path_match("*.txt", "d/a.txt"));
        assert!(path_match("**/*.txt", "d/e/a.txt"));
        assert!(path_match("**/*.txt", "a.txt"));
        assert!(path_match("d/**", "d/e/f"));
        assert!(path_match("f[0-9]?", "f1x"));
        assert!(!path_match("f[!0-9]", "f1"));
    }

    #[test]
    fn dockerignore_rules() {
        let i = Ignore::parse("# c\n*.log\n!keep.log\nbuild/\n**/tmp\n!build/out\n");
        assert!(i.excluded("a.log"));
        assert!(!i.excluded("keep.log"));
        assert!(i.excluded("build/x"));
        assert!(!i.excluded("build/out"));
        assert!(i.excluded("x/y/tmp/z"));
        assert!(!i.excluded("src/main.rs"));
        assert!(i.has_exceptions());
    }
}
