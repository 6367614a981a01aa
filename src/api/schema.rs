//! The types of docker's create JSON, checked before the body is read as a create request:
//! docker decodes it into Go structs and answers a wrong type with a 400
//! (`json: cannot unmarshal number into Go struct field ... of type string`); reading the
//! JSON leniently would silently ignore such a field instead. `null` is accepted anywhere,
//! as Go does.
use serde_json::Value;

use super::http::ApiError;

/// What a field must hold.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Int,
    /// An array of strings.
    Strs,
    /// docker's StrSlice: a string or an array of strings.
    StrOrStrs,
    Object,
    /// An object of strings.
    StrMap,
    /// An array of objects.
    Objects,
}

impl Kind {
    fn go_type(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Bool => "bool",
            Kind::Int => "int64",
            Kind::Strs | Kind::StrOrStrs => "[]string",
            Kind::Object => "struct",
            Kind::StrMap => "map[string]string",
            Kind::Objects => "[]struct",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        let strs = |a: &Vec<Value>| a.iter().all(|x| x.is_string() || x.is_null());
        match (self, v) {
            (_, Value::Null) => true,
            (Kind::Str, Value::String(_)) => true,
            (Kind::Bool, Value::Bool(_)) => true,
            (Kind::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Kind::Strs, Value::Array(a)) => strs(a),
            (Kind::StrOrStrs, Value::String(_)) => true,
            (Kind::StrOrStrs, Value::Array(a)) => strs(a),
            (Kind::Object, Value::Object(_)) => true,
            (Kind::StrMap, Value::Object(m)) => m.values().all(|x| x.is_string() || x.is_null()),
            (Kind::Objects, Value::Array(a)) => a.iter().all(|x| x.is_object() || x.is_null()),
            _ => false,
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const CONFIG: &[(&str, Kind)] = &[
    ("Hostname", Kind::Str),
    ("Domainname", Kind::Str),
    ("User", Kind::Str),
    ("Image", Kind::Str),
    ("WorkingDir", Kind::Str),
    ("StopSignal", Kind::Str),
    ("MacAddress", Kind::Str),
    ("AttachStdin", Kind::Bool),
    ("AttachStdout", Kind::Bool),
    ("AttachStderr", Kind::Bool),
    ("Tty", Kind::Bool),
    ("OpenStdin", Kind::Bool),
    ("StdinOnce", Kind::Bool),
    ("NetworkDisabled", Kind::Bool),
    ("Env", Kind::Strs),
    ("OnBuild", Kind::Strs),
    ("Shell", Kind::Strs),
    ("Cmd", Kind::StrOrStrs),
    ("Entrypoint", Kind::StrOrStrs),
    ("Labels", Kind::StrMap),
    ("ExposedPorts", Kind::Object),
    ("Volumes", Kind::Object),
    ("Healthcheck", Kind::Object),
    ("HostConfig", Kind::Object),
    ("NetworkingConfig", Kind::Object),
    ("StopTimeout", Kind::Int),
];

const HOST_CONFIG: &[(&str, Kind)] = &[
    ("Binds", Kind::Strs),
    ("CapAdd", Kind::Strs),
    ("CapDrop", Kind::Strs),
    ("Dns", Kind::Strs),
    ("DnsOptions", Kind::Strs),
    ("DnsSearch", Kind::Strs),
    ("ExtraHosts", Kind::Strs),
    ("GroupAdd", Kind::Strs),
    ("Links", Kind::Strs),
    ("SecurityOpt", Kind::Strs),
    ("VolumesFrom", Kind::Strs),
    ("DeviceCgroupRules", Kind::Strs),
    ("NetworkMode", Kind::Str),
    ("PidMode", Kind::Str),
    ("IpcMode", Kind::Str),
    ("UTSMode", Kind::Str),
    ("UsernsMode", Kind::Str),
    ("CgroupParent", Kind::Str),
    ("Runtime", Kind::Str),
    ("CpusetCpus", Kind::Str),
    ("CpusetMems", Kind::Str),
    ("AutoRemove", Kind::Bool),
    ("Privileged", Kind::Bool),
    ("PublishAllPorts", Kind::Bool),
    ("ReadonlyRootfs", Kind::Bool),
    ("Init", Kind::Bool),
    ("Memory", Kind::Int),
    ("MemorySwap", Kind::Int),
    ("MemoryReservation", Kind::Int),
    ("NanoCpus", Kind::Int),
    ("CpuShares", Kind::Int),
    ("CpuPeriod", Kind::Int),
    ("CpuQuota", Kind::Int),
    ("PidsLimit", Kind::Int),
    ("ShmSize", Kind::Int),
    ("BlkioWeight", Kind::Int),
    ("OomScoreAdj", Kind::Int),
    ("PortBindings", Kind::Object),
    ("RestartPolicy", Kind::Object),
    ("LogConfig", Kind::Object),
    ("Tmpfs", Kind::StrMap),
    ("Sysctls", Kind::StrMap),
    ("Mounts", Kind::Objects),
    ("Devices", Kind::Objects),
    ("Ulimits", Kind::Objects),
];

fn check(v: &Value, table: &[(&str, Kind)], go_struct: &str) -> Result<(), ApiError> {
    for (field, kind) in table {
        if let Some(x) = v.get(field) {
            if !kind.accepts(x) {
                return Err(ApiError::bad(format!(
                    "json: cannot unmarshal {} into Go struct field {go_struct}.{field} of type {}",
                    json_kind(x),
                    kind.go_type()
                )));
            }
        }
    }
    Ok(())
}

/// Check the types of a `POST /containers/create` body (its config and host config).
pub fn check_create(body: &Value) -> Result<(), ApiError> {
    check(body, CONFIG, "ContainerConfigWrapper")?;
    check(&body["HostConfig"], HOST_CONFIG, "HostConfig")
}

/// Check the types of a `POST /containers/{id}/update` body (docker's UpdateConfig: the
/// resources and the restart policy of a host config).
pub fn check_update(body: &Value) -> Result<(), ApiError> {
    check(body, HOST_CONFIG, "UpdateConfig")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_docker_errors() {
        assert!(check_create(&json!({"Image": "b", "Cmd": "echo hi", "Env": null})).is_ok());
        let e = check_create(&json!({"Image": 5})).unwrap_err();
        assert_eq!(
            e.message,
            "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string"
        );
        assert!(check_create(&json!({"Image": "b", "Env": {"A": "1"}})).is_err());
        assert!(check_create(&json!({"Image": "b", "Cmd": [1]})).is_err());
        let e = check_create(&json!({"Image": "b", "HostConfig": {"Memory": "lots"}})).unwrap_err();
        assert!(
            e.message.ends_with("HostConfig.Memory of type int64"),
            "{}",
            e.message
        );
        assert!(check_update(&json!({"Memory": 1.5})).is_err());
    }
}
