//! `search`: a registry's v1 search API with docker's filters (`is-official`, `stars`).
use super::EngineError;
use crate::registry::search::SearchResult;

/// Search `term`; `filters` as `--filter` gives them.
pub fn search(
    term: &str,
    limit: u32,
    filters: &[String],
    tls_verify: bool,
) -> Result<Vec<SearchResult>, EngineError> {
    let mut official: Option<bool> = None;
    let mut stars: u64 = 0;
    for f in filters {
        let bad = || EngineError::Usage(format!("invalid filter '{f}'"));
        let (k, v) = f.split_once('=').ok_or_else(bad)?;
        match k {
            "is-official" => {
                official = Some(match v {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(bad()),
                })
            }
            "stars" => stars = v.parse().map_err(|_| bad())?,
            "is-automated" => {}
            _ => return Err(EngineError::Usage(format!("invalid filter '{k}'"))),
        }
    }
    let results = crate::registry::search::search(term, limit, tls_verify)?;
    Ok(results
        .into_iter()
        .filter(|r| official.is_none_or(|o| r.is_official == o) && r.star_count >= stars)
        .collect())
}
