//! The API versions served: the newest and the oldest, the `/vX.Y` prefix of a request's path,
//! and docker's refusal of a version outside them.
use super::http::ApiError;

/// The newest API version served: what Debian's docker CLI (20.10) speaks. Newer clients
/// negotiate down to it.
pub const API_VERSION: &str = "1.41";
/// The oldest version a client may ask for.
pub const MIN_API_VERSION: &str = "1.24";

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Split `/v1.41/containers/json` into the version and the rest.
pub fn split_version(path: &str) -> (Option<&str>, &str) {
    if let Some(rest) = path.strip_prefix("/v") {
        let (v, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if parse_version(v).is_some() {
            return (Some(v), tail);
        }
    }
    (None, path)
}

pub fn check_version(v: &str) -> Result<(), ApiError> {
    let (Some(want), Some(max), Some(min)) = (
        parse_version(v),
        parse_version(API_VERSION),
        parse_version(MIN_API_VERSION),
    ) else {
        return Err(ApiError::bad(format!("invalid API version {v}")));
    };
    if want > max {
        return Err(ApiError::bad(format!(
            "client version {v} is too new. Maximum supported API version is {API_VERSION}"
        )));
    }
    if want < min {
        return Err(ApiError::bad(format!(
            "client version {v} is too old. Minimum supported API version is {MIN_API_VERSION}, please upgrade your client to a newer version"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            split_version("/v1.41/containers/json"),
            (Some("1.41"), "/containers/json")
        );
        assert_eq!(split_version("/_ping"), (None, "/_ping"));
        assert_eq!(split_version("/volumes"), (None, "/volumes"));
        assert!(check_version("1.41").is_ok());
        assert!(check_version("1.24").is_ok());
        assert!(check_version("1.50")
            .unwrap_err()
            .message
            .contains("is too new"));
        assert!(check_version("1.12").is_err());
    }
}
