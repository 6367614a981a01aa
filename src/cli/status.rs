//! The exit status of a failed command, in one place: which of docker's rules a command follows
//! ([`Family`]), and the status an engine error or a command-line error gets under it.
//!
//! docker's rule (docker/cli `cmd/docker/docker.go`, `getExitCode`): an error that is a
//! `cli.StatusError` exits with its `StatusCode`, any other error exits 1. The `StatusError`s are:
//! flag errors (`cli.FlagErrorFunc`: 125), `run`'s failures (`toStatusError` in
//! `cli/command/container/run.go`: 127 when the command is not found, 126 when it cannot be
//! invoked, else 125), `create`'s bad flag values (`runCreate`'s `parse`: 125; the daemon's
//! refusals are plain errors, 1), and the container's or the exec'd command's own status
//! (`run`, `start -a`, `attach`, `exec`), which the commands return as their result, and 64 for
//! a `--format` template that does not parse (`inspect`, `info`, `events`, `version`). The table
//! per command is in `docs/exit-codes.md`.

use super::container::ContainerCommand;
use super::context::ContextCommand;
use super::render::TemplateParseError;
use super::{image::ImageCommand, network::NetworkCommand, system::SystemCommand};
use super::{volume::VolumeCommand, Command};
use crate::engine::{EngineError, ErrorKind};
use crate::exit::{ENGINE, FAILED};

/// docker's status for a `--format` template that does not parse, where it has one.
const BAD_TEMPLATE: i32 = 64;

/// Which exit-status rule a command follows when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// `run`: 125 for the engine's failures, 126/127 when the command cannot run.
    Run,
    /// `create`: 125 for invalid input (docker's client-side parse), 1 for everything else.
    Create,
    /// `exec`: the exec'd command's 126/127 kept, 1 for everything else.
    Exec,
    /// `inspect` (of every kind), `info`, `events`, `version`: 64 for a `--format` template
    /// that does not parse (`cli/command/inspect/inspector.go`, `system/info.go`,
    /// `system/events.go`, `system/version.go`), else 1.
    Formatted,
    /// Every other docker command: 1.
    Docker,
    /// `compose`, as docker compose (docker/compose `cmd/compose/compose.go`, `cmd/main.go`):
    /// 1 for every failure, flag errors too; `run` and `exec` give the command's status
    /// (126/127 when it cannot be invoked / found).
    Compose,
    /// skiff's additions from podman (`healthcheck run`, `generate systemd`, `* exists`,
    /// `system service`): podman's convention, 125 for every failure.
    Podman,
}

impl Family {
    pub(super) fn of(cmd: &Command) -> Family {
        match cmd {
            Command::Run(_) | Command::Container(ContainerCommand::Run(_)) => Family::Run,
            Command::Compose(_) => Family::Compose,
            Command::Create(_) | Command::Container(ContainerCommand::Create(_)) => Family::Create,
            Command::Exec(_) | Command::Container(ContainerCommand::Exec(_)) => Family::Exec,
            Command::Healthcheck(_)
            | Command::Generate(_)
            | Command::System(SystemCommand::Service(_))
            | Command::Container(ContainerCommand::Exists(_))
            | Command::Image(ImageCommand::Exists(_))
            | Command::Volume(VolumeCommand::Exists(_))
            | Command::Network(NetworkCommand::Exists(_)) => Family::Podman,
            Command::Inspect(_)
            | Command::Container(ContainerCommand::Inspect(_))
            | Command::Image(ImageCommand::Inspect(_))
            | Command::Volume(VolumeCommand::Inspect(_))
            | Command::Network(NetworkCommand::Inspect(_))
            | Command::Context(ContextCommand::Inspect(_))
            | Command::Info(_)
            | Command::System(SystemCommand::Info(_))
            | Command::Events(_)
            | Command::System(SystemCommand::Events(_))
            | Command::Version(_) => Family::Formatted,
            _ => Family::Docker,
        }
    }

    /// The exit status of a command of this family that failed with `e`.
    pub(super) fn code(self, e: &EngineError) -> i32 {
        if self == Family::Formatted && TemplateParseError::is(e) {
            return BAD_TEMPLATE;
        }
        // docker's `createContainer` checks the image reference after `parse()`: a plain error.
        if self == Family::Create
            && matches!(
                e,
                EngineError::Image(crate::image::ImageError::InvalidReference(_))
            )
        {
            return FAILED;
        }
        self.for_kind(e.kind())
    }

    /// The exit status of a command of this family that failed this way.
    pub(super) fn for_kind(self, kind: ErrorKind) -> i32 {
        match self {
            Family::Run | Family::Podman => kind.exit_code(),
            Family::Create if kind == ErrorKind::Invalid => ENGINE,
            Family::Exec | Family::Compose => match kind {
                ErrorKind::Exec(code) => code,
                _ => FAILED,
            },
            Family::Create | Family::Formatted | Family::Docker => FAILED,
        }
    }
}

/// The exit status for a command line clap refused (or a help or version it printed).
///
/// docker's flag errors (an unknown flag, a bad or missing flag value) go through
/// `cli.FlagErrorFunc` and exit 125; its argument-count checks (`cli/required.go`:
/// `"docker rm" requires at least 1 argument`, `accepts no arguments`) and an unknown command
/// (`docker: unknown command: docker foo`) are plain errors and exit 1; a command group run
/// without its subcommand prints its help and exits 0 (`command.ShowHelp`).
/// `args` is the whole command line: docker compose's flag errors exit 1.
pub(super) fn for_clap(e: &clap::Error, args: &[std::ffi::OsString]) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    if !e.use_stderr() || e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
        return 0;
    }
    if is_compose(args) {
        return FAILED;
    }
    let positional = |s: &str| !s.starts_with('-');
    match e.kind() {
        K::InvalidSubcommand => FAILED,
        // A word where none was expected: too many arguments (clap reports it as unknown).
        K::UnknownArgument => match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(arg)) if positional(arg) => FAILED,
            _ => ENGINE,
        },
        // A word that is not one of an argument's values (`completion foo`): cobra's argument
        // checks (`OnlyValidArgs`, an unknown subcommand), plain errors; a flag's value is 125.
        K::InvalidValue => match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(arg)) if positional(arg) => FAILED,
            _ => ENGINE,
        },
        // Missing positionals (`<CONTAINER>...`), not a required flag.
        K::MissingRequiredArgument => match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(args)) if args.iter().all(|a| positional(a)) => FAILED,
            _ => ENGINE,
        },
        _ => ENGINE,
    }
}

/// The EXIT STATUS section of the man page `name` (appended to what clap_mangen writes), for
/// the pages whose command has a rule of its own and the top page, which has the general one.
pub(super) fn man_section(name: &str) -> Option<&'static str> {
    Some(match name {
        "skiff" => MAN_ALL,
        "skiff-run" | "skiff-container-run" => MAN_RUN,
        "skiff-create" | "skiff-container-create" => MAN_CREATE,
        "skiff-exec" | "skiff-container-exec" => MAN_EXEC,
        "skiff-start" | "skiff-container-start" | "skiff-attach" | "skiff-container-attach" => {
            MAN_ATTACHED
        }
        _ => return None,
    })
}

const MAN_ALL: &str = r#".SH "EXIT STATUS"
As docker's: 0 on success; 1 when a command fails (a missing container or image, a registry
that refused, a conflict); 125 for a flag that does not exist or a flag value that cannot be
parsed; 1 for a wrong number of arguments or an unknown command; 64 for a \fB\-\-format\fR
template that does not parse (\fBinspect\fR, \fBinfo\fR, \fBevents\fR, \fBversion\fR). \fBrun\fR, \fBcreate\fR,
\fBexec\fR, \fBstart \-a\fR and \fBattach\fR have rules of their own (their pages).
The commands skiff takes from podman (\fBhealthcheck run\fR, \fBgenerate systemd\fR, the
\fBexists\fR commands, \fBsystem service\fR) exit 125 when they fail, as podman does;
\fBcompose\fR exits as docker compose does (1, its flag errors too). The table, command by
command: docs/exit\-codes.md.
"#;

const MAN_RUN: &str = r#".SH "EXIT STATUS"
The container's own exit status once it ran; 125 when skiff failed (a bad flag value, no such
image, a mount or port that failed); 126 when the container's command could not be invoked
(permission denied, a directory); 127 when it was not found.
"#;

const MAN_CREATE: &str = r#".SH "EXIT STATUS"
0 when the container was created; 125 for an invalid flag value (nothing is created); 1 for
any other failure (no such image, the name already in use).
"#;

const MAN_EXEC: &str = r#".SH "EXIT STATUS"
The command's own exit status; 126 when it could not be invoked, 127 when it was not found; 1
when skiff could not run it (no such container, the container not running); 125 for a flag
error.
"#;

const MAN_ATTACHED: &str = r#".SH "EXIT STATUS"
Attached (\fBstart \-a\fR, \fBattach\fR): the container's exit status. Otherwise 0, or 1 if
any container named could not be handled (each failure is one line on stderr).
"#;

/// Whether the command line is `skiff [GLOBAL OPTIONS] compose ...`: the first word that is
/// neither an option nor the value of one of skiff's global options (all of which take one).
fn is_compose(args: &[std::ffi::OsString]) -> bool {
    let mut words = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(w) = words.next() {
        match w {
            "--log-level" | "--storage-driver" | "-H" | "--host" | "--config" => {
                words.next();
            }
            w if w.starts_with('-') => {}
            w => return w == "compose",
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clap_code(line: &[&str]) -> i32 {
        let args: Vec<std::ffi::OsString> = std::iter::once("skiff")
            .chain(line.iter().copied())
            .map(Into::into)
            .collect();
        match super::super::command().try_get_matches_from(&args) {
            Ok(_) => panic!("{line:?} parsed"),
            Err(e) => for_clap(&e, &args),
        }
    }

    #[test]
    fn flag_errors_are_125_argument_counts_and_unknown_commands_1() {
        assert_eq!(clap_code(&["ps", "--bogus"]), 125);
        assert_eq!(clap_code(&["run", "--memory"]), 125);
        assert_eq!(clap_code(&["ps", "-n", "x"]), 125);
        assert_eq!(clap_code(&["rm"]), 1);
        assert_eq!(clap_code(&["rename", "a"]), 1);
        assert_eq!(clap_code(&["rename", "a", "b", "c"]), 1);
        assert_eq!(clap_code(&["frobnicate"]), 1);
        assert_eq!(clap_code(&["completion", "foo"]), 1);
        assert_eq!(clap_code(&["ps", "--format"]), 125);
        assert_eq!(clap_code(&["--help"]), 0);
        assert_eq!(clap_code(&["network"]), 0);
        assert_eq!(clap_code(&["compose"]), 0);
        assert_eq!(clap_code(&["compose", "up", "--bogus"]), 1);
        assert_eq!(clap_code(&["--log-level", "info", "compose", "--bogus"]), 1);
        assert_eq!(clap_code(&["--log-level", "compose", "ps", "--bogus"]), 125);
    }

    #[test]
    fn engine_errors_map_by_family() {
        let invalid = EngineError::Usage("bad".into());
        let missing = EngineError::NotFound("No such container: x".into());
        let not_found_cmd = EngineError::Exec {
            code: 127,
            message: "not found".into(),
        };
        let internal = EngineError::Internal("broke".into());
        assert_eq!(Family::Run.code(&invalid), 125);
        assert_eq!(Family::Run.code(&missing), 125);
        assert_eq!(Family::Run.code(&not_found_cmd), 127);
        assert_eq!(Family::Create.code(&invalid), 125);
        assert_eq!(Family::Create.code(&missing), 1);
        assert_eq!(Family::Create.code(&internal), 1);
        let bad_ref = EngineError::Image(crate::image::ImageError::InvalidReference("x".into()));
        assert_eq!(Family::Create.code(&bad_ref), 1);
        assert_eq!(Family::Run.code(&bad_ref), 125);
        assert_eq!(Family::Exec.code(&not_found_cmd), 127);
        assert_eq!(Family::Exec.code(&missing), 1);
        assert_eq!(Family::Docker.code(&invalid), 1);
        assert_eq!(Family::Docker.code(&not_found_cmd), 1);
        assert_eq!(Family::Podman.code(&missing), 125);
        assert_eq!(Family::Compose.code(&invalid), 1);
        assert_eq!(Family::Compose.code(&not_found_cmd), 127);
        let bad = super::super::render::Template::parse("{{.Id").err();
        let bad = bad.expect("an unclosed action does not parse");
        assert_eq!(Family::Formatted.code(&bad), 64);
        assert_eq!(Family::Docker.code(&bad), 1);
        assert_eq!(Family::Formatted.code(&missing), 1);
    }
}
