//! The Compose Specification's merge rules: how an override file, an `include`d file or an
//! `extends` base combines with what it is merged into (reading those files is `read`'s).

use serde_json::Value;

/// Merge `over` into `base` by compose's override rules: mappings merge key by key, a
/// command-like list is replaced, `volumes` merge by target, `ports` and other lists are
/// appended without duplicates, anything else is replaced.
pub(super) fn merge(base: &mut Value, over: Value, key: &str) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if !existing.is_null() => merge(existing, v, &k),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(o))
            if !matches!(key, "command" | "entrypoint" | "test" | "profiles") =>
        {
            if key == "volumes" {
                for item in o {
                    let t = target(&item);
                    match b.iter_mut().find(|e| t.is_some() && target(e) == t) {
                        Some(e) => *e = item,
                        None => b.push(item),
                    }
                }
            } else {
                for item in o {
                    if !b.contains(&item) {
                        b.push(item);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn target(mount: &Value) -> Option<String> {
    match mount {
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            match parts.len() {
                1 => Some(parts[0].to_string()),
                _ => Some(parts[1].to_string()),
            }
        }
        Value::Object(m) => m.get("target").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}
