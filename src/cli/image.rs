//! `skiff image ...`, `pull`, `images`, `rmi`, `import`: arguments and rendering.
use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand};

use super::render;
use crate::engine::{image, EngineError};
use crate::image::ImageRecord;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build an image from a Dockerfile
    Build(Box<super::build::BuildArgs>),
    /// List images
    #[command(alias = "list")]
    Ls(ImagesArgs),
    /// Download an image from a registry
    Pull(PullArgs),
    /// Remove one or more images
    #[command(alias = "remove")]
    Rm(RmiArgs),
    /// Import the contents from a tarball to create a filesystem image
    Import(ImportArgs),
    /// Display detailed information on one or more images
    Inspect(ImageInspectArgs),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
    Tag(TagArgs),
    /// Show the history of an image
    History(HistoryArgs),
    /// Remove unused images
    Prune(PruneArgs),
    /// Upload an image to a registry
    Push(PushArgs),
    /// Save one or more images to a tar archive (streamed to STDOUT by default)
    Save(SaveArgs),
    /// Load an image from a tar archive or STDIN
    Load(LoadArgs),
    /// Check if an image exists in local storage (podman): exit status 0 if it does, 1 if not
    Exists(super::container::ExistsArgs),
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Write to a file, instead of STDOUT
    #[arg(short, long)]
    pub output: Option<String>,
    /// Archive format: docker-archive (default) or oci-archive
    #[arg(long, default_value = "docker-archive")]
    pub format: String,
    /// Only this platform (os/arch[/variant]): skiff stores one platform per image, which must
    /// be this one
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    #[arg(required = true)]
    pub images: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Read from tar archive file, instead of STDIN
    #[arg(short, long)]
    pub input: Option<String>,
    /// Suppress the load output
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Suppress verbose output
    #[arg(short, long)]
    pub quiet: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// Push all tags of an image to the repository
    #[arg(short, long)]
    pub all_tags: bool,
    /// NAME[:TAG] to push
    pub name: String,
    /// Push under this name instead (NAME[:TAG])
    pub destination: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Username
    #[arg(short, long)]
    pub username: Option<String>,
    /// Password
    #[arg(short, long)]
    pub password: Option<String>,
    /// Take the password from stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// Registry server (default docker.io)
    pub server: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Registry server (default docker.io)
    pub server: Option<String>,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// SOURCE_IMAGE[:TAG]
    pub source: String,
    /// TARGET_IMAGE[:TAG]
    pub target: String,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Print sizes and dates in human readable format
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub human: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template
    #[arg(long)]
    pub format: Option<String>,
    /// Only this platform (os/arch[/variant]): skiff stores one platform per image, which must
    /// be this one
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    pub image: String,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove all unused images, not just dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Provide filter values (e.g. 'until=24h', 'label=KEY=VALUE')
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Download all tagged images in the repository
    #[arg(short, long)]
    pub all_tags: bool,
    /// Set platform if server is multi-platform capable (OS/ARCH[/VARIANT], e.g. linux/arm64)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Suppress verbose output
    #[arg(short, long)]
    pub quiet: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// Image name, e.g. busybox, localhost:5000/busybox:1.36 or NAME@sha256:...
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (default hides intermediate images)
    #[arg(short, long)]
    pub all: bool,
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Show digests
    #[arg(long)]
    pub digests: bool,
    /// Filter output based on conditions provided (dangling, label, reference, before, since, until)
    #[arg(short, long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template
    #[arg(long)]
    pub format: Option<String>,
    /// Do not print the column headings (podman)
    #[arg(short, long)]
    pub noheading: bool,
    /// Only images of this repository (and tag)
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image
    #[arg(short, long)]
    pub force: bool,
    /// Remove all images (podman)
    #[arg(short, long)]
    pub all: bool,
    /// Do not delete untagged parents (skiff's images record no parent images, so there are
    /// none to delete either way)
    #[arg(long)]
    pub no_prune: bool,
    /// Only this platform (os/arch[/variant]): skiff stores one platform per image, which must
    /// be this one
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    #[arg(required_unless_present = "all")]
    pub images: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply Dockerfile instruction to the created image
    #[arg(short, long = "change")]
    pub changes: Vec<String>,
    /// Set commit message for imported image
    #[arg(short, long)]
    pub message: Option<String>,
    /// Tarball path, or - for standard input
    pub file: String,
    /// Repository and tag for the new image
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImageInspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    /// Only this platform (os/arch[/variant]): skiff stores one platform per image, which must
    /// be this one
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    #[arg(required = true)]
    pub images: Vec<String>,
}

pub fn dispatch(cmd: ImageCommand) -> Result<i32, EngineError> {
    match cmd {
        ImageCommand::Build(a) => super::build::run(*a),
        ImageCommand::Ls(a) => images(a),
        ImageCommand::Pull(a) => pull(a),
        ImageCommand::Rm(a) => rmi(a),
        ImageCommand::Import(a) => import(a),
        ImageCommand::Tag(a) => tag(a),
        ImageCommand::History(a) => history(a),
        ImageCommand::Prune(a) => prune(a),
        ImageCommand::Push(a) => push(a),
        ImageCommand::Save(a) => save(a),
        ImageCommand::Load(a) => load(a),
        ImageCommand::Exists(a) => match image::inspect(&Paths::from_env(), &a.name)? {
            Some(_) => Ok(0),
            None => Ok(1),
        },
        ImageCommand::Inspect(a) => {
            super::render::check_inspect_format(a.format.as_deref())?;
            let mut values = Vec::new();
            let mut code = 0;
            for name in &a.images {
                if let Some(p) = &a.platform {
                    crate::engine::image_platform::check(&Paths::from_env(), name, p)?;
                }
                match inspect_value(name)? {
                    Some(v) => values.push(v),
                    None => {
                        eprintln!("Error: No such image: {name}");
                        code = 1;
                    }
                }
            }
            super::render::print_inspect(&values, a.format.as_deref())?;
            Ok(code)
        }
    }
}

pub fn pull(a: PullArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let opts = image::PullOptions {
        quiet: a.quiet,
        tls_verify: a.tls_verify,
    };
    let platform = a
        .platform
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(image::parse_platform)
        .transpose()?;
    let stdout = std::io::stdout();
    let mut tty = TtyProgress::default();
    let use_tty = !a.quiet && stdout.is_terminal();
    let mut on_event = |ev: image::PullEvent| {
        if use_tty {
            tty.event(ev);
        } else {
            image::render_plain(&ev, a.quiet, &mut stdout.lock());
        }
    };
    if a.all_tags {
        image::pull_all_tags(&paths, &a.name, &opts, platform.as_ref(), &mut on_event)?;
    } else {
        image::pull_platform(&paths, &a.name, &opts, platform.as_ref(), &mut on_event)?;
    }
    Ok(0)
}

/// docker's terminal pull display: one line per layer, redrawn in place.
#[derive(Default)]
struct TtyProgress {
    layers: Vec<(String, String)>,
}

impl TtyProgress {
    fn set(&mut self, id: &str, status: String) {
        let mut out = std::io::stdout().lock();
        match self.layers.iter().position(|(l, _)| l == id) {
            Some(i) => {
                let up = self.layers.len() - i;
                let _ = write!(out, "\x1b[{up}A\r\x1b[2K{id}: {status}\x1b[{up}B\r");
                self.layers[i].1 = status;
            }
            None => {
                let _ = writeln!(out, "{id}: {status}");
                self.layers.push((id.to_string(), status));
            }
        }
        let _ = out.flush();
    }

    fn event(&mut self, ev: image::PullEvent) {
        use image::PullEvent as E;
        match ev {
            E::LayerQueued { id } => self.set(&id, "Pulling fs layer".into()),
            E::LayerExists { id } => self.set(&id, "Already exists".into()),
            E::LayerProgress { id, current, total } => {
                let width = 50usize;
                let filled = if total > 0 {
                    ((current as f64 / total as f64) * width as f64) as usize
                } else {
                    0
                }
                .min(width);
                let bar = format!(
                    "[{}>{}]",
                    "=".repeat(filled.saturating_sub(1)),
                    " ".repeat(width - filled)
                );
                self.set(
                    &id,
                    format!(
                        "Downloading {bar}  {}/{}",
                        render::human_size(current),
                        render::human_size(total)
                    ),
                );
            }
            E::LayerDownloaded { id } => self.set(&id, "Download complete".into()),
            E::LayerExtracting { id } => self.set(&id, "Extracting".into()),
            E::LayerComplete { id } => self.set(&id, "Pull complete".into()),
            other => image::render_plain(&other, false, &mut std::io::stdout().lock()),
        }
    }
}

pub fn images(a: ImagesArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let filters = image::ImageFilters::parse(&a.filters)?;
    let mut list = image::list_filtered(&paths, &filters)?;
    if !a.all {
        // docker hides the intermediate images of builds (untagged, built on by other steps).
        let hidden = crate::engine::build::intermediate_images(&paths);
        list.retain(|i| !i.repo_tags.is_empty() || !hidden.contains(&i.id));
    }
    let filter = match &a.reference {
        Some(f) => Some(ImageFilter::parse(f)?),
        None => None,
    };
    let id_of = |img: &ImageRecord| {
        if a.no_trunc {
            img.id.clone()
        } else {
            img.short_id().to_string()
        }
    };
    if a.quiet {
        let mut seen = std::collections::HashSet::new();
        let mut out = std::io::stdout().lock();
        for img in &list {
            if filter
                .as_ref()
                .is_some_and(|f| rows(img).iter().all(|(r, t)| !f.matches(r, t)))
            {
                continue;
            }
            if seen.insert(img.id.clone()) {
                let _ = writeln!(out, "{}", id_of(img));
            }
        }
        return Ok(0);
    }
    let default = if a.digests {
        "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    } else {
        "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    };
    let mut format = render::ListFormat::parse(a.format.as_deref(), default)?;
    if a.noheading {
        format = format.without_header();
    }
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for img in &list {
        let created = img
            .created
            .as_deref()
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
        let since = created
            .map(|t| {
                format!(
                    "{} ago",
                    render::human_duration((now - t.with_timezone(&chrono::Utc)).num_seconds())
                )
            })
            .unwrap_or_else(|| "N/A".into());
        let created_at = created
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S +0000 UTC")
                    .to_string()
            })
            .unwrap_or_default();
        for (repo, tag) in rows(img) {
            if filter.as_ref().is_some_and(|f| !f.matches(&repo, &tag)) {
                continue;
            }
            let digest = img
                .repo_digests
                .iter()
                .find(|d| d.split('@').next() == Some(repo.as_str()))
                .and_then(|d| d.split('@').nth(1))
                .unwrap_or("<none>");
            let size = render::human_size(img.size);
            let mut row = serde_json::json!({
                "Containers": "N/A",
                "CreatedAt": created_at,
                "CreatedSince": since,
                "Digest": digest,
                "ID": id_of(img),
                "Repository": repo,
                "SharedSize": "N/A",
                "Size": size,
                "Tag": tag,
                "UniqueSize": "N/A",
                "VirtualSize": size,
            });
            // Read from the image config only when a template asks (`{{.Label "k"}}`).
            if a.format.as_deref().is_some_and(|f| f.contains(".Label")) {
                row["Labels"] = image::labels_text(&paths, img)?.into();
            }
            out.push(row);
        }
    }
    format.print(
        &out,
        &[
            ("ID", "IMAGE ID"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("SharedSize", "SHARED SIZE"),
            ("UniqueSize", "UNIQUE SIZE"),
            ("VirtualSize", "VIRTUAL SIZE"),
            ("Repository", "REPOSITORY"),
            ("Tag", "TAG"),
            ("Digest", "DIGEST"),
            ("Size", "SIZE"),
            ("Containers", "CONTAINERS"),
        ],
    )?;
    Ok(0)
}

pub fn tag(a: TagArgs) -> Result<i32, EngineError> {
    image::tag(&Paths::from_env(), &a.source, &a.target)?;
    Ok(0)
}

pub fn history(a: HistoryArgs) -> Result<i32, EngineError> {
    if let Some(p) = &a.platform {
        crate::engine::image_platform::check(&Paths::from_env(), &a.image, p)?;
    }
    let entries = image::history(&Paths::from_env(), &a.image)?;
    let now = chrono::Utc::now();
    if a.quiet {
        let mut out = std::io::stdout().lock();
        for e in &entries {
            let id = if a.no_trunc || e.id == "<missing>" {
                e.id.clone()
            } else {
                crate::image::digest_hex(&e.id).chars().take(12).collect()
            };
            let _ = writeln!(out, "{id}");
        }
        return Ok(0);
    }
    let mut rows = Vec::new();
    for e in &entries {
        let created = e
            .created
            .as_deref()
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
        let since = created
            .map(|t| {
                if a.human {
                    format!(
                        "{} ago",
                        render::human_duration((now - t.with_timezone(&chrono::Utc)).num_seconds())
                    )
                } else {
                    t.to_rfc3339()
                }
            })
            .unwrap_or_else(|| "N/A".into());
        let created_at = created.map(|t| t.to_rfc3339()).unwrap_or_default();
        let id = if a.no_trunc || e.id == "<missing>" {
            e.id.clone()
        } else {
            crate::image::digest_hex(&e.id).chars().take(12).collect()
        };
        let created_by = if a.no_trunc {
            e.created_by.clone()
        } else {
            ellipsis(&e.created_by.replace('\t', " "), 45)
        };
        let size = if a.human {
            render::human_size(e.size)
        } else {
            e.size.to_string()
        };
        rows.push(serde_json::json!({
            "Comment": e.comment,
            "CreatedAt": created_at,
            "CreatedBy": created_by,
            "CreatedSince": since,
            "ID": id,
            "Size": size,
        }));
    }
    let format = render::ListFormat::parse(
        a.format.as_deref(),
        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
    )?;
    format.print(
        &rows,
        &[
            ("ID", "IMAGE"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("CreatedBy", "CREATED BY"),
            ("Size", "SIZE"),
            ("Comment", "COMMENT"),
        ],
    )?;
    Ok(0)
}

/// docker's `Ellipsis`: at most `max` characters, the last one `…` when cut.
fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

pub fn prune(a: PruneArgs) -> Result<i32, EngineError> {
    let filters = image::ImageFilters::parse(&a.filters)?;
    if !a.force {
        let warning = if a.all {
            "WARNING! This will remove all images without at least one container associated to them."
        } else {
            "WARNING! This will remove all dangling images."
        };
        if !super::render::confirm(warning) {
            return Ok(0);
        }
    }
    let report = image::prune(&Paths::from_env(), a.all, &filters)?;
    let mut out = std::io::stdout().lock();
    if !report.untagged.is_empty() || !report.deleted.is_empty() {
        let _ = writeln!(out, "Deleted Images:");
        for u in &report.untagged {
            let _ = writeln!(out, "untagged: {u}");
        }
        for d in &report.deleted {
            let _ = writeln!(out, "deleted: {d}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Total reclaimed space: {}",
        render::human_size(report.reclaimed)
    );
    Ok(0)
}

/// The (repository, tag) rows of an image as `images` shows them.
fn rows(img: &ImageRecord) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = img
        .repo_tags
        .iter()
        .map(|t| match t.rfind(':') {
            Some(i) if !t[i..].contains('/') => (t[..i].to_string(), t[i + 1..].to_string()),
            _ => (t.clone(), "<none>".into()),
        })
        .collect();
    if out.is_empty() {
        for d in &img.repo_digests {
            let repo = d.split('@').next().unwrap_or(d).to_string();
            if !out.iter().any(|(r, _)| *r == repo) {
                out.push((repo, "<none>".into()));
            }
        }
    }
    if out.is_empty() {
        out.push(("<none>".into(), "<none>".into()));
    }
    out
}

/// The REPOSITORY[:TAG] argument of `images`.
struct ImageFilter {
    repo: String,
    tag: Option<String>,
}

impl ImageFilter {
    fn parse(s: &str) -> Result<ImageFilter, EngineError> {
        let r = crate::image::Reference::parse(s)?;
        Ok(ImageFilter {
            repo: r.familiar_name(),
            tag: r.tag,
        })
    }
    fn matches(&self, repo: &str, tag: &str) -> bool {
        repo == self.repo && self.tag.as_deref().is_none_or(|t| t == tag)
    }
}

pub fn rmi(a: RmiArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if let Some(p) = &a.platform {
        for name in &a.images {
            crate::engine::image_platform::check(&paths, name, p)?;
        }
    }
    let names = if a.all {
        if !a.images.is_empty() {
            return Err(EngineError::Usage(
                "when using the --all switch, you may not pass any images names or IDs".into(),
            ));
        }
        // podman removes every image: each tag of a tagged one (the last takes the image).
        image::list(&paths)?
            .into_iter()
            .flat_map(|i| {
                if i.repo_tags.is_empty() {
                    vec![i.id]
                } else {
                    i.repo_tags
                }
            })
            .collect()
    } else {
        a.images.clone()
    };
    let mut code = 0;
    for name in &names {
        match image::remove(&paths, name, a.force) {
            Ok(report) => {
                let mut out = std::io::stdout().lock();
                for u in &report.untagged {
                    let _ = writeln!(out, "Untagged: {u}");
                }
                for d in &report.deleted {
                    let _ = writeln!(out, "Deleted: {d}");
                }
            }
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}

pub fn import(a: ImportArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let source: Box<dyn std::io::Read> = if a.file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(&a.file).map_err(EngineError::io(format!("open {}", a.file)))?)
    };
    let record = image::import(
        &paths,
        source,
        &a.file,
        a.reference.as_deref(),
        &a.changes,
        a.message.as_deref(),
    )?;
    println!("{}", record.id);
    Ok(0)
}

/// The docker-style inspect JSON of an image, or None when there is no such image.
pub fn inspect_value(name: &str) -> Result<Option<serde_json::Value>, EngineError> {
    image::inspect(&Paths::from_env(), name)
}

pub fn push(a: PushArgs) -> Result<i32, EngineError> {
    if a.all_tags {
        return push_all_tags(a);
    }
    let mut out = std::io::stdout().lock();
    let digest = image::push(
        &Paths::from_env(),
        &a.name,
        a.destination.as_deref(),
        a.tls_verify,
        a.quiet,
        &mut out,
    )?;
    if a.quiet {
        let _ = writeln!(out, "{}", a.destination.as_deref().unwrap_or(&a.name));
    }
    let _ = digest;
    Ok(0)
}

pub fn login(a: LoginArgs) -> Result<i32, EngineError> {
    if a.password.is_some() && a.password_stdin {
        return Err(EngineError::Usage(
            "--password and --password-stdin are mutually exclusive".into(),
        ));
    }
    let read_line = |prompt: &str| -> Result<String, EngineError> {
        if !prompt.is_empty() {
            eprint!("{prompt}");
        }
        let mut s = String::new();
        std::io::stdin()
            .read_line(&mut s)
            .map_err(EngineError::io("reading standard input"))?;
        Ok(s.trim_end_matches(['\n', '\r']).to_string())
    };
    let password = if a.password_stdin {
        if a.username.is_none() {
            return Err(EngineError::Usage(
                "Must provide --username with --password-stdin".into(),
            ));
        }
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(EngineError::io("reading the password from standard input"))?;
        Some(s.trim_end_matches(['\n', '\r']).to_string())
    } else {
        a.password.clone()
    };
    if a.password.is_some() {
        eprintln!("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
    }
    let username = match &a.username {
        Some(u) => u.clone(),
        None => read_line("Username: ")?,
    };
    let password = match password {
        Some(p) => p,
        None => read_line("Password: ")?,
    };
    if username.is_empty() || password.is_empty() {
        return Err(EngineError::Usage(
            "Error: Non-null Username and Password Required".into(),
        ));
    }
    image::login(a.server.as_deref(), &username, &password, a.tls_verify)?;
    println!("Login Succeeded");
    Ok(0)
}

pub fn logout(a: LogoutArgs) -> Result<i32, EngineError> {
    let (registry, removed) = image::logout(a.server.as_deref())?;
    if removed {
        println!("Removing login credentials for {registry}");
    } else {
        println!("Not logged in to {registry}");
    }
    Ok(0)
}

/// `push -a`: every tag of the repository, in tag order (docker's messages for a tag given
/// and for a repository with no tag).
fn push_all_tags(a: PushArgs) -> Result<i32, EngineError> {
    let r = crate::image::Reference::parse(&a.name)?;
    if r.tag.is_some() && a.name.rsplit('/').next().is_some_and(|l| l.contains(':')) {
        return Err(EngineError::Usage(
            "tag can't be used with --all-tags/-a".into(),
        ));
    }
    if a.destination.is_some() {
        return Err(EngineError::Usage(
            "a destination can't be used with --all-tags/-a".into(),
        ));
    }
    let repo = r.familiar_name();
    let paths = Paths::from_env();
    let mut tags: Vec<String> = image::list(&paths)?
        .into_iter()
        .flat_map(|i| i.repo_tags)
        .filter(|t| t.rsplit_once(':').is_some_and(|(n, _)| n == repo))
        .collect();
    tags.sort();
    tags.dedup();
    if tags.is_empty() {
        return Err(EngineError::NotFound(format!(
            "An image does not exist locally with the tag: {repo}"
        )));
    }
    let mut out = std::io::stdout().lock();
    for t in &tags {
        image::push(&paths, t, None, a.tls_verify, a.quiet, &mut out)?;
        if a.quiet {
            let _ = writeln!(out, "{t}");
        }
    }
    Ok(0)
}

pub fn save(a: SaveArgs) -> Result<i32, EngineError> {
    let format = match a.format.as_str() {
        "docker-archive" | "docker" => image::ArchiveFormat::Docker,
        "oci-archive" | "oci" => image::ArchiveFormat::Oci,
        other => {
            return Err(EngineError::Usage(format!(
                "unknown archive format {other:?}: docker-archive or oci-archive"
            )))
        }
    };
    let paths = Paths::from_env();
    if let Some(p) = &a.platform {
        for name in &a.images {
            crate::engine::image_platform::check(&paths, name, p)?;
        }
    }
    match &a.output {
        Some(path) => {
            // Written next to the target, renamed into place once complete.
            let target = std::path::Path::new(path);
            let dir = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut tmp = tempfile::Builder::new()
                .prefix(".skiff-save-")
                .tempfile_in(dir)
                .map_err(EngineError::io(format!("creating {path}")))?;
            {
                let mut w = std::io::BufWriter::new(tmp.as_file_mut());
                image::save(&paths, &a.images, format, &mut w)?;
            }
            tmp.persist(target)
                .map_err(|e| EngineError::io(format!("writing {path}"))(e.error))?;
        }
        None => {
            let stdout = std::io::stdout();
            if stdout.is_terminal() {
                return Err(EngineError::Usage(
                    "cowardly refusing to save to a terminal. Use the -o flag or redirect".into(),
                ));
            }
            let mut w = std::io::BufWriter::new(stdout.lock());
            image::save(&paths, &a.images, format, &mut w)?;
        }
    }
    Ok(0)
}

pub fn load(a: LoadArgs) -> Result<i32, EngineError> {
    let input: Box<dyn std::io::Read> = match &a.input {
        Some(p) => Box::new(std::fs::File::open(p).map_err(EngineError::io(format!("open {p}")))?),
        None => {
            if std::io::stdin().is_terminal() {
                return Err(EngineError::Usage(
                    "requested load from stdin, but stdin is empty".into(),
                ));
            }
            Box::new(std::io::stdin())
        }
    };
    let lines = image::load(&Paths::from_env(), input)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    Ok(0)
}
