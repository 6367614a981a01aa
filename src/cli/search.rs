//! `search TERM`: docker's table (NAME, DESCRIPTION, STARS, OFFICIAL), `--limit`, `--filter`,
//! `--format`, `--no-trunc`. A registry without the search API gets docker's answer
//! (`unexpected status code 404`) and exit status 1.
use clap::Args;

use super::render;
use crate::engine::EngineError;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Filter output based on conditions provided (is-official=BOOL, stars=N)
    #[arg(short, long)]
    pub filter: Vec<String>,
    /// Pretty-print search using a Go template
    #[arg(long)]
    pub format: Option<String>,
    /// Max number of search results
    #[arg(long, default_value_t = 25)]
    pub limit: u32,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    pub term: String,
}

pub fn search(a: SearchArgs) -> Result<i32, EngineError> {
    let results = match crate::engine::search::search(&a.term, a.limit, &a.filter, a.tls_verify) {
        Ok(r) => r,
        // docker: the registry's answer, exit status 1.
        Err(EngineError::Registry(e)) => {
            eprintln!("Error: {e}");
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let values: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let desc = r.description.replace('\n', " ");
            let desc = if a.no_trunc || desc.chars().count() <= 45 {
                desc
            } else {
                desc.chars().take(44).collect::<String>() + "…"
            };
            serde_json::json!({
                "Name": r.name,
                "Description": desc,
                "StarCount": r.star_count.to_string(),
                "IsOfficial": if r.is_official { "[OK]" } else { "" },
            })
        })
        .collect();
    let fmt = render::ListFormat::parse(
        a.format.as_deref(),
        "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}",
    )?;
    fmt.print(
        &values,
        &[
            ("Name", "NAME"),
            ("Description", "DESCRIPTION"),
            ("StarCount", "STARS"),
            ("IsOfficial", "OFFICIAL"),
        ],
    )?;
    Ok(0)
}
