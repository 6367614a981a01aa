//! Local manifest lists (`manifest create`/`annotate`/`push`): docker's manifest store, under
//! skiff's data dir (`manifests/`), one directory per list and one JSON file per image
//! manifest in it, in docker's file format (`Ref`, `Descriptor`, `Raw`). Also the JSON
//! docker prints for them: the manifest list (3-space indent, as docker's distribution
//! library marshals it) and the verbose entries (Go's `json.MarshalIndent` with a tab).
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::ImageError;

pub const MEDIA_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const MEDIA_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// A platform as an OCI descriptor carries it (the fields of the image config docker copies).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

/// An OCI descriptor, in its field order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// One image manifest of a local list (docker's `types.ImageManifest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The image as given, normalised: `localhost:5000/busybox:latest`.
    #[serde(rename = "Ref")]
    pub reference: String,
    #[serde(rename = "Descriptor")]
    pub descriptor: Descriptor,
    /// The manifest's bytes as the registry served them (base64 in the file, as Go's []byte).
    #[serde(rename = "Raw", with = "base64_bytes", default)]
    pub raw: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}

impl Entry {
    /// The digests of the blobs the manifest names (config first, then layers).
    pub fn blobs(&self) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.raw).unwrap_or_default();
        std::iter::once(&v["config"])
            .chain(v["layers"].as_array().into_iter().flatten())
            .filter_map(|d| d["digest"].as_str().map(String::from))
            .collect()
    }

    /// docker's verbose form: `Ref`, `Descriptor`, `Raw`, then the manifest under
    /// `SchemaV2Manifest` or `OCIManifest` (compact; [`go_indent`] lays it out).
    pub fn verbose_json(&self) -> String {
        let mut s = String::from("{\"Ref\":");
        s.push_str(&serde_json::to_string(&self.reference).unwrap_or_default());
        s.push_str(",\"Descriptor\":");
        s.push_str(&serde_json::to_string(&self.descriptor).unwrap_or_default());
        if !self.raw.is_empty() {
            s.push_str(",\"Raw\":\"");
            s.push_str(&base64::engine::general_purpose::STANDARD.encode(&self.raw));
            s.push('"');
            let key = if self.descriptor.media_type == MEDIA_OCI_MANIFEST {
                "OCIManifest"
            } else {
                "SchemaV2Manifest"
            };
            s.push_str(&format!(",\"{key}\":"));
            s.push_str(&String::from_utf8_lossy(&self.raw));
        }
        s.push('}');
        s
    }
}

/// The platform of a list entry (docker's `manifestlist.PlatformSpec`: architecture and os
/// always present).
#[derive(Debug, Serialize)]
struct ListPlatform<'a> {
    architecture: &'a str,
    os: &'a str,
    #[serde(rename = "os.version", skip_serializing_if = "str::is_empty")]
    os_version: &'a str,
    #[serde(rename = "os.features", skip_serializing_if = "<[String]>::is_empty")]
    os_features: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    variant: &'a str,
}

#[derive(Debug, Serialize)]
struct ListDescriptor<'a> {
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    size: u64,
    digest: &'a str,
    platform: ListPlatform<'a>,
}

#[derive(Debug, Serialize)]
struct List<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    manifests: Vec<ListDescriptor<'a>>,
}

/// The manifest list of `entries` as docker builds it (`manifestlist.FromDescriptors`): an OCI
/// index when the first entry is an OCI manifest, else a docker list; 3-space indent. Its
/// media type and bytes (what is pushed, and what `manifest inspect` prints).
pub fn list_json(entries: &[Entry]) -> (&'static str, String) {
    let media_type = match entries.first() {
        Some(e) if e.descriptor.media_type == MEDIA_OCI_MANIFEST => MEDIA_OCI_INDEX,
        _ => MEDIA_DOCKER_LIST,
    };
    let empty = Platform::default();
    let list = List {
        schema_version: 2,
        media_type,
        manifests: entries
            .iter()
            .map(|e| {
                let p = e.descriptor.platform.as_ref().unwrap_or(&empty);
                ListDescriptor {
                    media_type: &e.descriptor.media_type,
                    size: e.descriptor.size,
                    digest: &e.descriptor.digest,
                    platform: ListPlatform {
                        architecture: &p.architecture,
                        os: &p.os,
                        os_version: &p.os_version,
                        os_features: &p.os_features,
                        variant: &p.variant,
                    },
                }
            })
            .collect(),
    };
    let compact = serde_json::to_string(&list).unwrap_or_default();
    (media_type, go_indent(&compact, "   "))
}

/// Go's `json.Indent` (with `MarshalIndent`'s layout) over compact or spaced JSON: one
/// element a line, `indent` per level, `": "` after keys, empty `{}` and `[]` kept whole.
/// Strings are copied as they are. Key order is the input's, which serde_json's maps would
/// not keep.
pub fn go_indent(json: &str, indent: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut chars = json.chars().peekable();
    // After an opening bracket: the newline is written only once something follows.
    let mut pending_open = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    while let Some(c) = chars.next() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if pending_open && c != ']' && c != '}' {
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                pending_open = false;
                out.push('"');
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '{' | '[' => {
                pending_open = true;
                depth += 1;
                out.push(c);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if !pending_open {
                    newline(&mut out, depth);
                }
                pending_open = false;
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            other => {
                pending_open = false;
                out.push(other);
            }
        }
    }
    out
}

/// docker's store of local manifest lists.
pub struct ManifestLists {
    root: PathBuf,
}

/// docker's file-safe name for a reference: `:` to `-`, `/` to `_`.
fn file_safe(reference: &str) -> String {
    reference.replace(':', "-").replace('/', "_")
}

/// docker's error for a list or entry that is not there.
pub fn no_such_manifest(reference: &str) -> ImageError {
    ImageError::NoSuchManifest(reference.to_string())
}

impl ManifestLists {
    pub fn new(data_dir: &Path) -> ManifestLists {
        ManifestLists {
            root: data_dir.join("manifests"),
        }
    }

    fn list_dir(&self, list: &str) -> PathBuf {
        self.root.join(file_safe(list))
    }

    fn read(path: &Path, reference: &str) -> Result<Entry, ImageError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(no_such_manifest(reference))
            }
            Err(e) => return Err(ImageError::io(format!("reading {}", path.display()))(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| ImageError::Corrupt {
            what: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// The entry of `image` in `list`.
    pub fn get(&self, list: &str, image: &str) -> Result<Entry, ImageError> {
        Self::read(&self.list_dir(list).join(file_safe(image)), image)
    }

    /// Every entry of `list`, in file-name order (docker's directory order).
    pub fn get_list(&self, list: &str) -> Result<Vec<Entry>, ImageError> {
        let dir = self.list_dir(list);
        let mut names: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(d) => d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(no_such_manifest(list))
            }
            Err(e) => return Err(ImageError::io(format!("reading {}", dir.display()))(e)),
        };
        // A write in progress (`write_atomic`'s `.tmp-` file) is no entry.
        names.retain(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with(".tmp-"))
        });
        names.sort();
        names.iter().map(|p| Self::read(p, list)).collect()
    }

    /// Store `entry` as `image` of `list` (the list is made if new).
    pub fn save(&self, list: &str, image: &str, entry: &Entry) -> Result<(), ImageError> {
        let dir = self.list_dir(list);
        std::fs::create_dir_all(&dir)
            .map_err(ImageError::io(format!("creating {}", dir.display())))?;
        let bytes = serde_json::to_vec(entry).map_err(|e| ImageError::Corrupt {
            what: format!("manifest entry {image}"),
            reason: e.to_string(),
        })?;
        let path = dir.join(file_safe(image));
        crate::state::atomic::write_atomic(&path, &bytes)
            .map_err(ImageError::io(format!("writing {}", path.display())))
    }

    /// Remove `list` and its entries.
    pub fn remove(&self, list: &str) -> Result<(), ImageError> {
        let dir = self.list_dir(list);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(ImageError::io(format!("removing {}", dir.display()))(e))
            }
            _ => Ok(()),
        }
    }
}

/// docker's table of the os/arch pairs `manifest annotate` accepts (Go's supported ports).
pub fn valid_os_arch(os: &str, arch: &str) -> bool {
    const VALID: &[(&str, &str)] = &[
        ("darwin", "386"),
        ("darwin", "amd64"),
        ("darwin", "arm"),
        ("darwin", "arm64"),
        ("dragonfly", "amd64"),
        ("freebsd", "386"),
        ("freebsd", "amd64"),
        ("freebsd", "arm"),
        ("linux", "386"),
        ("linux", "amd64"),
        ("linux", "arm"),
        ("linux", "arm64"),
        ("linux", "ppc64le"),
        ("linux", "mips64"),
        ("linux", "mips64le"),
        ("linux", "riscv64"),
        ("linux", "s390x"),
        ("netbsd", "386"),
        ("netbsd", "amd64"),
        ("netbsd", "arm"),
        ("openbsd", "386"),
        ("openbsd", "amd64"),
        ("openbsd", "arm"),
        ("plan9", "386"),
        ("plan9", "amd64"),
        ("solaris", "amd64"),
        ("windows", "386"),
        ("windows", "amd64"),
    ];
    VALID.contains(&(os, arch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_as_go_does() {
        let got = go_indent(r#"{"a":[],"b":{"c":"x,\"y:"},"d":[1,{}]}"#, "\t");
        assert_eq!(
            got,
            "{\n\t\"a\": [],\n\t\"b\": {\n\t\t\"c\": \"x,\\\"y:\"\n\t},\n\t\"d\": [\n\t\t1,\n\t\t{}\n\t]\n}"
        );
        // Spaced input (a registry's manifest) comes out the same.
        assert_eq!(
            go_indent("{ \"a\" : [ 1 ,2 ] }", "  "),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }

    #[test]
    fn list_is_docker_shaped() {
        let e = Entry {
            reference: "localhost:5000/a:latest".into(),
            descriptor: Descriptor {
                media_type: MEDIA_DOCKER_MANIFEST.into(),
                digest: "sha256:ab".into(),
                size: 7,
                platform: Some(Platform {
                    architecture: "arm64".into(),
                    os: "linux".into(),
                    variant: "v8".into(),
                    ..Platform::default()
                }),
            },
            raw: b"{}".to_vec(),
        };
        let (mt, text) = list_json(std::slice::from_ref(&e));
        assert_eq!(mt, MEDIA_DOCKER_LIST);
        assert_eq!(
            text,
            "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n   \"manifests\": [\n      {\n         \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n         \"size\": 7,\n         \"digest\": \"sha256:ab\",\n         \"platform\": {\n            \"architecture\": \"arm64\",\n            \"os\": \"linux\",\n            \"variant\": \"v8\"\n         }\n      }\n   ]\n}"
        );
        let stored: Entry = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(stored, e);
        assert_eq!(
            file_safe("localhost:5000/a:latest"),
            "localhost-5000_a-latest"
        );
    }
}
