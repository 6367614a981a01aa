//! Output rendering shared by the commands: errors, tables, inspect JSON, human times and sizes.
use std::io::Write;

use crate::engine::EngineError;

pub use crate::engine::error_chain;

/// docker's inspectors parse the `--format` template before they look anything up: a template
/// that does not parse is the only error (exit 64), nothing is looked up.
pub fn check_inspect_format(format: Option<&str>) -> Result<(), EngineError> {
    match format {
        Some(f) if !f.is_empty() => Template::parse(f).map(drop),
        _ => Ok(()),
    }
}

/// Print inspect results: a JSON array, or one line per object through a `--format` template.
pub fn print_inspect(
    values: &[serde_json::Value],
    format: Option<&str>,
) -> Result<(), EngineError> {
    let mut out = std::io::stdout().lock();
    match format {
        None => {
            let text = serde_json::to_string_pretty(values)
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            let _ = writeln!(out, "{text}");
        }
        Some(f) => {
            let t = Template::parse(f)?;
            for v in values {
                let line = match t.render(v) {
                    Ok(line) => line,
                    // docker runs the template on its Go struct first, then on the JSON: `.ID`
                    // (the struct's field) works as well as `.Id` (the JSON key).
                    Err(e) => match v.get("Id").filter(|_| v.get("ID").is_none()) {
                        Some(id) => {
                            let mut alt = v.clone();
                            alt["ID"] = id.clone();
                            t.render(&alt).map_err(|_| e)?
                        }
                        None => return Err(e),
                    },
                };
                let _ = writeln!(out, "{line}");
            }
        }
    }
    Ok(())
}

/// Render a Go template (docker's `--format`) against a value. Missing keys are an error, as
/// with docker's struct fields. `\t` and `\n` written literally in the format stand for a tab
/// and a newline.
pub fn template(format: &str, value: &serde_json::Value) -> Result<String, EngineError> {
    Template::parse(format)?.render(value)
}

/// A parsed `--format` template with docker's extra functions.
pub struct Template {
    tmpl: gotmpl::Template,
    /// The same template when it is only text and `{{.Field}}` actions (every list's default
    /// table): a row whose fields it names are strings is rendered by joining them, not by
    /// converting the row to the template engine's values and running it (a fifth of `ps`'s
    /// instructions with 200 containers). Anything else goes to the engine.
    plain: Option<Vec<Piece>>,
}

/// A piece of a plain template.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    /// `{{.Name}}`: the row's string field `Name`.
    Field(String),
}

/// The pieces of a template made only of text and `{{.Field}}` actions (spaces allowed inside
/// the braces, as Go allows them); None for any other template (functions, pipes, nested
/// fields, trim markers, comments, variables).
fn plain_pieces(src: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = src;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        let name = after[..close]
            .trim_matches([' ', '\t', '\r', '\n'])
            .strip_prefix('.')?;
        let mut chars = name.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_')
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        pieces.push(Piece::Field(name.to_string()));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Some(pieces)
}

/// A plain template applied to a row: None unless the row is an object whose named fields
/// are all strings (a missing field is the engine's error to report, a number its to print).
fn render_plain(pieces: &[Piece], row: &serde_json::Value) -> Option<String> {
    let row = row.as_object()?;
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Field(f) => out.push_str(row.get(f)?.as_str()?),
        }
    }
    Some(out)
}

fn tmpl_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Usage(format!("template: {e}"))
}

/// A `--format` template that does not parse: docker's `inspect`, `info`, `events` and
/// `version` exit 64 for it (`cli/status.rs`), its other commands 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateParseError(String);

impl TemplateParseError {
    /// Whether `e` is a template that did not parse.
    pub fn is(e: &EngineError) -> bool {
        matches!(e, EngineError::Failed { source, .. } if source.is::<TemplateParseError>())
    }
}

fn parse_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Failed {
        context: "template".into(),
        source: Box::new(TemplateParseError(e.to_string())),
    }
}

fn tv(s: String) -> gotmpl::Value {
    gotmpl::Value::String(s.into())
}

fn want(what: &str) -> gotmpl::TemplateError {
    gotmpl::TemplateError::Exec(what.into())
}

impl Template {
    pub fn parse(format: &str) -> Result<Template, EngineError> {
        let src = format.replace("\\t", "\t").replace("\\n", "\n");
        // docker's list rows have a `Label` method (`{{.Label "com.example.k"}}`); it becomes
        // a call of the `label` function on the row.
        // The regex is compiled only for a template that names `.Label`: compiling it costs
        // about a millisecond, a third of a `ps` on an empty store.
        let src = if src.contains(".Label") {
            let label_method =
                regex::Regex::new(r#"(^|[^\w.$\]])\.Label\s+("(?:[^"\\]|\\.)*"|`[^`]*`)"#)
                    .map_err(tmpl_err)?;
            label_method
                .replace_all(&src, "${1}(label . ${2})")
                .into_owned()
        } else {
            src
        };
        let t = gotmpl::Template::new("")
            .missing_key(gotmpl::MissingKey::Error)
            .func("json", |args| {
                let v = args.first().map(to_json).unwrap_or(serde_json::Value::Null);
                Ok(tv(serde_json::to_string(&v).unwrap_or_default()))
            })
            .func("join", |args| match args {
                [gotmpl::Value::List(l), sep] => Ok(tv(l
                    .iter()
                    .map(go_string)
                    .collect::<Vec<_>>()
                    .join(&go_string(sep)))),
                [gotmpl::Value::Nil, _] => Ok(tv(String::new())),
                _ => Err(want("join: want a list and a separator")),
            })
            .func("split", |args| match args {
                [s, sep] => Ok(gotmpl::Value::List(
                    go_string(s)
                        .split(go_string(sep).as_str())
                        .map(|p| tv(p.to_string()))
                        .collect::<Vec<_>>()
                        .into(),
                )),
                _ => Err(want("split: want a string and a separator")),
            })
            .func("upper", |args| {
                Ok(tv(args
                    .first()
                    .map(go_string)
                    .unwrap_or_default()
                    .to_uppercase()))
            })
            .func("lower", |args| {
                Ok(tv(args
                    .first()
                    .map(go_string)
                    .unwrap_or_default()
                    .to_lowercase()))
            })
            .func("title", |args| {
                let s = args.first().map(go_string).unwrap_or_default();
                let mut c = s.chars();
                Ok(tv(match c.next() {
                    Some(f) => f.to_uppercase().chain(c).collect(),
                    None => String::new(),
                }))
            })
            .func("label", |args| match args {
                [row, key] => Ok(tv(row_label(row, &go_string(key)))),
                _ => Err(want("label: want a row and a key")),
            })
            .func("truncate", |args| match args {
                [s, n] => {
                    let n = usize::try_from(n.as_int().unwrap_or(0)).unwrap_or(0);
                    Ok(tv(go_string(s).chars().take(n).collect()))
                }
                _ => Err(want("truncate: want a string and a length")),
            })
            .func("pad", |args| match args {
                [s, l, r] => {
                    let l = usize::try_from(l.as_int().unwrap_or(0)).unwrap_or(0);
                    let r = usize::try_from(r.as_int().unwrap_or(0)).unwrap_or(0);
                    Ok(tv(format!(
                        "{}{}{}",
                        " ".repeat(l),
                        go_string(s),
                        " ".repeat(r)
                    )))
                }
                _ => Err(want("pad: want a string and two widths")),
            })
            .parse(&src)
            .map_err(parse_err)?;
        Ok(Template {
            tmpl: t,
            plain: plain_pieces(&src),
        })
    }

    pub fn render(&self, value: &serde_json::Value) -> Result<String, EngineError> {
        if let Some(out) = self.plain.as_deref().and_then(|p| render_plain(p, value)) {
            return Ok(out);
        }
        let data = gotmpl::to_value(value).map_err(tmpl_err)?;
        self.tmpl.execute_to_string(&data).map_err(tmpl_err)
    }
}

/// A label of a list row: its `Labels` is docker's `k=v,k2=v2` text (or a map); empty when the
/// label is not set.
fn row_label(row: &gotmpl::Value, key: &str) -> String {
    let gotmpl::Value::Map(m) = row else {
        return String::new();
    };
    match m
        .iter()
        .find(|(k, _)| k.as_ref() == "Labels")
        .map(|(_, v)| v)
    {
        Some(gotmpl::Value::Map(labels)) => labels
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| go_string(v))
            .unwrap_or_default(),
        Some(gotmpl::Value::String(text)) => {
            // `k=v` pairs joined by commas; a piece without `=` belongs to the value before.
            let mut pairs: Vec<(&str, String)> = Vec::new();
            for piece in text.split(',') {
                match (piece.split_once('='), pairs.last_mut()) {
                    (Some((k, v)), _) => pairs.push((k, v.to_string())),
                    (None, Some((_, v))) => {
                        v.push(',');
                        v.push_str(piece);
                    }
                    (None, None) => {}
                }
            }
            pairs
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
                .unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// How Go prints a template value (a string is printed bare).
fn go_string(v: &gotmpl::Value) -> String {
    match v {
        gotmpl::Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// A template value back to JSON, for `{{json .X}}`.
fn to_json(v: &gotmpl::Value) -> serde_json::Value {
    use gotmpl::Value as V;
    match v {
        V::Bool(b) => (*b).into(),
        V::Int(i) => (*i).into(),
        V::Uint(u) => (*u).into(),
        V::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        V::String(s) => serde_json::Value::String(s.to_string()),
        V::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        V::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        _ => serde_json::Value::Null,
    }
}

/// How a list command prints its rows: docker's `--format` (the default table, `table
/// TEMPLATE`, `json`, or a bare template printed once per row).
pub enum ListFormat {
    Table(Template),
    /// A table without its heading (podman's `--noheading`).
    Rows(Template),
    Json,
    Raw(Template),
}

impl ListFormat {
    /// `default` is the command's own `table ...` format.
    pub fn parse(format: Option<&str>, default: &str) -> Result<ListFormat, EngineError> {
        let f = match format {
            None | Some("") | Some("table") => default,
            Some(f) => f,
        };
        if f == "json" {
            return Ok(ListFormat::Json);
        }
        match f.strip_prefix("table") {
            Some(rest) => Ok(ListFormat::Table(Template::parse(rest.trim_start())?)),
            None => Ok(ListFormat::Raw(Template::parse(f)?)),
        }
    }

    /// The same format without the table's heading line.
    pub fn without_header(self) -> ListFormat {
        match self {
            ListFormat::Table(t) => ListFormat::Rows(t),
            other => other,
        }
    }

    /// The fields of a row the format shows, when it is text and `{{.Field}}`s alone; None
    /// when it may show any (`json`, functions, `{{json .}}`…).
    pub fn fields(&self) -> Option<Vec<&str>> {
        let t = match self {
            ListFormat::Table(t) | ListFormat::Rows(t) | ListFormat::Raw(t) => t,
            ListFormat::Json => return None,
        };
        let pieces = t.plain.as_ref()?;
        Some(
            pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Field(f) => Some(f.as_str()),
                    Piece::Text(_) => None,
                })
                .collect(),
        )
    }

    /// Print rows (JSON objects with docker's field names) to stdout. `headers` gives column
    /// titles (`ID` is `IMAGE ID`); a field without one gets its name in capitals.
    pub fn print(
        &self,
        rows: &[serde_json::Value],
        headers: &[(&str, &str)],
    ) -> Result<(), EngineError> {
        match self {
            ListFormat::Json => {
                let mut out = std::io::stdout().lock();
                for r in rows {
                    let _ = writeln!(out, "{}", serde_json::to_string(r).unwrap_or_default());
                }
            }
            ListFormat::Raw(t) => {
                let mut text = String::new();
                for r in rows {
                    text.push_str(&t.render(r)?);
                    text.push('\n');
                }
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
            ListFormat::Table(t) => {
                let mut head = serde_json::Map::new();
                if let Some(o) = rows.first().and_then(|r| r.as_object()) {
                    for k in o.keys() {
                        head.insert(k.clone(), k.to_uppercase().into());
                    }
                }
                for (k, v) in headers {
                    head.insert(k.to_string(), v.to_string().into());
                }
                let mut text = t.render(&serde_json::Value::Object(head))?;
                text.push('\n');
                for r in rows {
                    text.push_str(&t.render(r)?);
                    text.push('\n');
                }
                print_aligned(&text);
            }
            ListFormat::Rows(t) => {
                let mut text = String::new();
                for r in rows {
                    text.push_str(&t.render(r)?);
                    text.push('\n');
                }
                print_aligned(&text);
            }
        }
        Ok(())
    }

    /// Print rows through a table whose template is text and `{{.Field}}`s alone, each field
    /// written by `field` straight into its line: no JSON row per item, no template engine.
    /// `title` gives a field's column heading, and None for a name the rows do not have:
    /// then nothing is printed and false returned, and the caller prints through
    /// [`ListFormat::print`], which reports the unknown field as docker does. False as well
    /// for any other format.
    pub fn print_fields<R>(
        &self,
        rows: &[R],
        title: impl Fn(&str) -> Option<&'static str>,
        field: impl Fn(&R, &str, &mut String),
    ) -> bool {
        let (pieces, heading) = match self {
            ListFormat::Table(t) => (t.plain.as_deref(), true),
            ListFormat::Rows(t) => (t.plain.as_deref(), false),
            _ => return false,
        };
        let Some(pieces) = pieces else {
            return false;
        };
        let known = |p: &Piece| match p {
            Piece::Field(f) => title(f).is_some(),
            Piece::Text(_) => true,
        };
        if !pieces.iter().all(known) {
            return false;
        }
        let mut text = String::with_capacity(128 * (rows.len() + 1));
        let line = |text: &mut String, each: &dyn Fn(&str, &mut String)| {
            for p in pieces {
                match p {
                    Piece::Text(t) => text.push_str(t),
                    Piece::Field(f) => each(f, text),
                }
            }
            text.push('\n');
        };
        if heading {
            line(&mut text, &|f, out| {
                out.push_str(title(f).unwrap_or_default())
            });
        }
        for r in rows {
            line(&mut text, &|f, out| field(r, f, out));
        }
        print_aligned(&text);
        true
    }
}

/// docker's human durations (`units` holds the one definition; the API uses it too).
pub use crate::units::{human_duration, push_human_duration};

/// docker's sizes: decimal units with three significant digits ("4.26MB", "128kB", "0B").
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    // three significant digits, trailing zeros trimmed.
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s}{}", units[i])
}

/// docker's confirmation prompt (on stdout, as docker prints it): `WARNING` text, then
/// `Are you sure you want to continue? [y/N] `; true for `y` or `yes` (any case). A refusal
/// ends the prompt's line.
pub fn confirm(warning: &str) -> bool {
    let mut out = std::io::stdout();
    let _ = write!(out, "{warning}\nAre you sure you want to continue? [y/N] ");
    let _ = out.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    let yes = matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    if !yes {
        let _ = writeln!(out);
    }
    yes
}

/// A tab-separated table with docker's spacing.
pub fn table() -> tabwriter::TabWriter<Vec<u8>> {
    // Go's tabwriter (docker's, minwidth 10, padding 3) makes a cell max(text + 3, 10) wide;
    // this crate's minwidth leaves the padding out, so 7 here is docker's 10.
    tabwriter::TabWriter::new(Vec::new()).minwidth(7).padding(3)
}

/// Flush a table to stdout.
pub fn print_table(tw: tabwriter::TabWriter<Vec<u8>>) {
    if let Ok(buf) = tw.into_inner() {
        let _ = std::io::stdout().lock().write_all(&buf);
    }
}

/// Print `text` (lines ending in `\n`, cells separated by tabs) aligned as [`table`] aligns
/// it, in one write.
pub fn print_aligned(text: &str) {
    let out = align(text).unwrap_or_else(|| {
        let mut tw = table();
        let _ = tw.write_all(text.as_bytes());
        tw.into_inner().unwrap_or_default()
    });
    let _ = std::io::stdout().lock().write_all(&out);
}

/// What [`table`]'s tabwriter makes of `text` when every line has as many cells as the first
/// (every list's table, unless a value holds a tab or a newline): each cell but a line's last
/// padded to its column's widest cell (at least 7) and 3 spaces, cells measured as that crate
/// measures them. None for any other text (the caller hands it to the tabwriter). By hand
/// rather than through the crate because the crate keeps a vector of cells per line, measures
/// every character and pads each cell through `format!`: half the instructions of `ps` with
/// 100 containers went to its table.
fn align(text: &str) -> Option<Vec<u8>> {
    const MINWIDTH: usize = 7;
    const PADDING: usize = 3;
    let body = text.strip_suffix('\n')?.as_bytes();
    // Every cell as (end in `body`, width), lines one after the other; a line's last cell is
    // not measured (it is not padded).
    let n = body
        .iter()
        .take_while(|&&b| b != b'\n')
        .filter(|&&b| b == b'\t')
        .count();
    let mut widths = vec![MINWIDTH; n];
    let mut cells: Vec<(usize, usize)> = Vec::with_capacity(body.len() / 8);
    let (mut start, mut col) = (0, 0);
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'\t' => {
                if col >= n {
                    return None;
                }
                let w = cell_width(&text[start..i]);
                widths[col] = widths[col].max(w);
                cells.push((i, w));
                start = i + 1;
                col += 1;
            }
            b'\n' => {
                if col != n {
                    return None;
                }
                cells.push((i, 0));
                start = i + 1;
                col = 0;
            }
            _ => {}
        }
    }
    if col != n {
        return None;
    }
    cells.push((body.len(), 0));
    let spaces = [b' '; 256];
    let mut out = Vec::with_capacity(text.len() + cells.len() * 8);
    let (mut start, mut col) = (0, 0);
    for (end, w) in cells {
        out.extend_from_slice(&body[start..end]);
        if col < n {
            let mut pad = widths[col] - w + PADDING;
            while pad > 0 {
                let k = pad.min(spaces.len());
                out.extend_from_slice(&spaces[..k]);
                pad -= k;
            }
            col += 1;
        } else {
            out.push(b'\n');
            col = 0;
        }
        start = end + 1;
    }
    Some(out)
}

/// A cell's width as the tabwriter crate counts it: the display width of its characters,
/// a control character 0 (printable ASCII, the usual text, is one byte one column).
fn cell_width(cell: &str) -> usize {
    if cell.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return cell.len();
    }
    cell.chars()
        .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_docker() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(4_261_000), "4.26MB");
        assert_eq!(human_size(128_000), "128kB");
        assert_eq!(human_size(1_500), "1.5kB");
        assert_eq!(human_size(1_982_000), "1.98MB");
        assert_eq!(human_size(100_000), "100kB");
    }

    #[test]
    fn durations_like_docker() {
        assert_eq!(human_duration(3), "3 seconds");
        assert_eq!(human_duration(70), "About a minute");
        assert_eq!(human_duration(7200), "2 hours");
    }

    #[test]
    fn template_fields() {
        let v = serde_json::json!({"State": {"Status": "running", "ExitCode": 3}, "Name": "/web"});
        assert_eq!(
            template("{{.State.Status}} {{.Name}}", &v).unwrap(),
            "running /web"
        );
        assert_eq!(
            template("{{json .State}}", &v).unwrap(),
            r#"{"ExitCode":3,"Status":"running"}"#
        );
        assert!(template("{{.Nope}}", &v).is_err());
    }

    #[test]
    fn aligned_tables_are_the_tabwriters() {
        let tabwriter = |text: &str| {
            let mut tw = table();
            tw.write_all(text.as_bytes()).unwrap();
            tw.into_inner().unwrap()
        };
        let long = "x".repeat(300);
        for text in [
            "",
            "\n",
            "a\tb\tc\n",
            "CONTAINER ID\tIMAGE\tNAMES\nabc\tbusybox\tweb\n0123456789ab\tx\t\n",
            "one\ntwo cells? no\n",
            "a\tb\nc\n",
            "a\tb\nc\td\te\n",
            "a\tb\n\n",
            "a\tb",
            "\"sleep 10…\"\tétoile\t日本語\tz\nq\tw\te\tr\n",
            "ctl\x1b[1m\tb\nc\td\n",
            "\t\t\n\t\t\n",
            &format!("{long}\ty\nz\t{long}\n"),
        ] {
            let fast = align(text);
            if let Some(fast) = &fast {
                assert_eq!(
                    String::from_utf8_lossy(fast),
                    String::from_utf8_lossy(&tabwriter(text)),
                    "{text:?}"
                );
            }
            // Uneven lines go to the tabwriter.
            let even = text.ends_with('\n')
                && text.lines().all(|l| {
                    l.matches('\t').count()
                        == text.lines().next().unwrap_or("").matches('\t').count()
                });
            assert_eq!(fast.is_some(), even, "{text:?}");
        }
    }

    #[test]
    fn plain_templates_render_as_the_engine_does() {
        assert_eq!(
            plain_pieces("{{.ID}}\t{{ .Image }}x"),
            Some(vec![
                Piece::Field("ID".into()),
                Piece::Text("\t".into()),
                Piece::Field("Image".into()),
                Piece::Text("x".into()),
            ])
        );
        for other in [
            "{{.State.Status}}",
            "{{json .}}",
            "{{- .ID}}",
            "{{.ID -}}",
            "{{/* c */}}",
            "{{$x := 1}}",
            "{{.ID | upper}}",
            "{{.}}",
            "{{.ID",
            "{{.1x}}",
        ] {
            assert_eq!(plain_pieces(other), None, "{other}");
        }
        let rows = [
            serde_json::json!({"ID": "abc", "Name": "a b", "N": 3, "E": "", "T": "<&>"}),
            serde_json::json!({"ID": "x", "N": null, "Name": "é\t", "E": "{{", "T": "%s"}),
        ];
        for f in [
            "{{.ID}}",
            "id={{ .ID }} name={{.Name}}!",
            "{{.ID}}\\t{{.N}}",
            "{{.E}}{{.T}}",
            "x {{.Nope}}",
            "no fields",
            "",
        ] {
            let t = Template::parse(f).unwrap();
            for r in &rows {
                let engine = gotmpl::to_value(r)
                    .map_err(tmpl_err)
                    .and_then(|d| t.tmpl.execute_to_string(&d).map_err(tmpl_err));
                match (t.render(r), engine) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{f}"),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{f}"),
                    (a, b) => panic!("{f}: {a:?} vs {b:?}"),
                }
            }
        }
    }

    #[test]
    fn template_functions() {
        let v = serde_json::json!({"Tags": ["a", "b"], "Name": "Web", "Labels": {"x": "1"}});
        assert_eq!(template(r#"{{join .Tags ","}}"#, &v).unwrap(), "a,b");
        assert_eq!(
            template("{{upper .Name}}\\t{{lower .Name}}", &v).unwrap(),
            "WEB\tweb"
        );
        assert_eq!(template(r#"{{index .Labels "x"}}"#, &v).unwrap(), "1");
        assert_eq!(template(r#"{{printf "%s!" .Name}}"#, &v).unwrap(), "Web!");
        assert_eq!(
            template("{{range .Tags}}[{{.}}]{{end}}", &v).unwrap(),
            "[a][b]"
        );
        assert_eq!(template("{{json .Tags}}", &v).unwrap(), r#"["a","b"]"#);
        assert!(template("{{.Missing}}", &v).is_err());
        assert!(template("{{.Name", &v).is_err());
        // docker's `.Label` method of list rows.
        let row = serde_json::json!({"Labels": "a=1,2,b=x", "Names": "web"});
        assert_eq!(
            template(
                r#"{{.Names}} {{.Label "a"}} {{ .Label "b" }}{{.Label `c`}}"#,
                &row
            )
            .unwrap(),
            "web 1,2 x"
        );
        let map = serde_json::json!({"Labels": {"k": "v"}});
        assert_eq!(template(r#"{{.Label "k"}}"#, &map).unwrap(), "v");
    }
}
