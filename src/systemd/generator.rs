//! The Quadlet generator systemd runs at boot and at `daemon-reload`
//! (`/usr/lib/systemd/user-generators/skiff-user-generator`, a link to skiff): every
//! `*.container`, `*.volume`, `*.network` and `*.image` of the search path becomes a unit in the output
//! directory, with the `[Install]` links a `systemctl enable` would make. A file that cannot be
//! converted gives no unit and one error line (file and line) on stderr, which systemd logs.
use std::path::{Path, PathBuf};

use super::quadlet::{convert, Kind, Refs, Unit};

/// Where Quadlet files are looked for, first match of a name wins. `QUADLET_UNIT_DIRS`
/// (colon-separated, as podman's) replaces the list.
pub fn unit_dirs(user: bool) -> Vec<PathBuf> {
    if let Ok(dirs) = std::env::var("QUADLET_UNIT_DIRS") {
        return dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect();
    }
    if !user {
        return vec![
            PathBuf::from("/etc/containers/systemd"),
            PathBuf::from("/usr/share/containers/systemd"),
        ];
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("/nonexistent"));
    let uid = nix::unistd::getuid().as_raw();
    vec![
        config.join("containers/systemd"),
        PathBuf::from(format!("/etc/containers/systemd/users/{uid}")),
        PathBuf::from("/etc/containers/systemd/users"),
        config.join("skiff/systemd"),
    ]
}

/// The source files of `dirs`, by name (the first directory holding a name wins), sorted.
fn sources(dirs: &[PathBuf]) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| Kind::from_file_name(n).is_some())
            .collect();
        names.sort();
        for n in names {
            if !found.iter().any(|(f, _)| f == &n) {
                let p = d.join(&n);
                found.push((n, p));
            }
        }
    }
    found.sort();
    found
}

/// A source file read and parsed: its kind, stem and sections, or `PATH:LINE: message`.
type Parsed = (Kind, String, Vec<super::unit::Section>);

fn parse_file(path: &Path) -> Result<Parsed, String> {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{shown}: not a file name"))?;
    let (kind, stem) =
        Kind::from_file_name(name).ok_or_else(|| format!("{shown}: not a Quadlet file"))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let sections = super::unit::parse(&text).map_err(|(l, m)| format!("{shown}:{l}: {m}"))?;
    Ok((kind, stem.to_string(), sections))
}

/// What each `.volume`, `.network` and `.image` source makes, by file name.
fn refs(files: &[(String, Result<Parsed, String>)]) -> Refs {
    files
        .iter()
        .filter_map(|(name, parsed)| {
            let (kind, stem, sections) = parsed.as_ref().ok()?;
            Some((name.clone(), kind.object_name(stem, sections)?))
        })
        .collect()
}

/// Convert one parsed file: its unit, or `PATH:LINE: message`.
fn convert_parsed(path: &Path, parsed: &Parsed, exe: &str, refs: &Refs) -> Result<Unit, String> {
    let shown = path.display().to_string();
    let (kind, stem, sections) = parsed;
    convert(*kind, stem, &shown, sections, exe, refs).map_err(|e| {
        if e.line == 0 {
            format!("{shown}: {}", e.message)
        } else {
            format!("{shown}:{}: {}", e.line, e.message)
        }
    })
}

/// Write `unit` and its `[Install]` links into `out`.
fn write_unit(out: &Path, unit: &Unit) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(&unit.name), &unit.text)?;
    for (target, link) in &unit.wanted_by {
        let dir = out.join(format!("{target}.{link}"));
        std::fs::create_dir_all(&dir)?;
        let l = dir.join(&unit.name);
        let _ = std::fs::remove_file(&l);
        std::os::unix::fs::symlink(format!("../{}", unit.name), &l)?;
    }
    Ok(())
}

/// The generator: `[--user] [--dryrun] [NORMAL_DIR [EARLY_DIR LATE_DIR]]` (systemd passes the
/// three directories; units go to the first). `--dryrun` prints the units instead. Exit status
/// 1 when any file failed.
pub fn main(args: &[String], user: bool, exe: &str) -> i32 {
    let mut user = user;
    let mut dryrun = false;
    let mut dirs = Vec::new();
    for a in args {
        match a.as_str() {
            "--user" | "-user" => user = true,
            "--dryrun" | "-dryrun" => dryrun = true,
            d => dirs.push(PathBuf::from(d)),
        }
    }
    let Some(out) = dirs.first().cloned().or(dryrun.then(PathBuf::new)) else {
        eprintln!("skiff-generator: missing output directory");
        return 1;
    };
    let mut code = 0;
    let found = sources(&unit_dirs(user));
    let parsed: Vec<(String, Result<Parsed, String>)> = found
        .iter()
        .map(|(name, path)| (name.clone(), parse_file(path)))
        .collect();
    let refs = refs(&parsed);
    for ((_, path), (_, parsed)) in found.iter().zip(&parsed) {
        let converted = parsed
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|p| convert_parsed(path, p, exe, &refs));
        match converted {
            Ok(unit) if dryrun => {
                println!("---{}---", unit.name);
                print!("{}", unit.text);
            }
            Ok(unit) => {
                if let Err(e) = write_unit(&out, &unit) {
                    eprintln!("skiff-generator: writing {}: {e}", unit.name);
                    code = 1;
                }
            }
            Err(e) => {
                eprintln!("skiff-generator: {e}");
                code = 1;
            }
        }
    }
    code
}
