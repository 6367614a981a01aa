//! The parse every command starts with, cut to the one command asked for.
//!
//! Building skiff's whole clap tree (every command's flags, docker's parsing rules applied to
//! each) was most of the user CPU of a `skiff ps` on an empty store. A command line whose first
//! argument names one of the top-level commands below is parsed by a tree of the root's own
//! options and that one command, with the same rules (`tree::docker_rules`) and the same
//! derived `augment_args`, so it parses exactly as the full tree would. Anything this small
//! tree does not accept (help, a version flag, a bad flag, a missing argument) returns `None`,
//! and the full tree parses the line again and prints clap's usual help or error.
use std::ffi::OsString;

use clap::{Args, FromArgMatches};

use super::{build, container, image, search, system, Cli, GlobalArgs, InspectArgs};

/// Adds one command's arguments to its (empty) `clap::Command`.
type Augment = fn(clap::Command) -> clap::Command;

/// The top-level commands that take arguments only (no subcommands), by name, and their
/// arguments: what `#[derive(Subcommand)]` on `cli::Command` builds for each variant.
const LEAVES: &[(&str, Augment)] = &[
    ("attach", container::AttachArgs::augment_args),
    ("build", build::BuildArgs::augment_args),
    ("commit", container::CommitArgs::augment_args),
    ("cp", container::CpArgs::augment_args),
    ("create", container::RunArgs::augment_args),
    ("diff", container::DiffArgs::augment_args),
    ("events", system::EventsArgs::augment_args),
    ("exec", container::ExecArgs::augment_args),
    ("export", container::ExportArgs::augment_args),
    ("history", image::HistoryArgs::augment_args),
    ("images", image::ImagesArgs::augment_args),
    ("import", image::ImportArgs::augment_args),
    ("info", system::InfoArgs::augment_args),
    ("inspect", InspectArgs::augment_args),
    ("kill", container::KillArgs::augment_args),
    ("load", image::LoadArgs::augment_args),
    ("login", image::LoginArgs::augment_args),
    ("logout", image::LogoutArgs::augment_args),
    ("logs", container::LogsArgs::augment_args),
    ("pause", container::PauseArgs::augment_args),
    ("port", container::PortArgs::augment_args),
    ("ps", container::PsArgs::augment_args),
    ("pull", image::PullArgs::augment_args),
    ("push", image::PushArgs::augment_args),
    ("rename", container::RenameArgs::augment_args),
    ("restart", container::StopArgs::augment_args),
    ("rm", container::RmArgs::augment_args),
    ("rmi", image::RmiArgs::augment_args),
    ("run", container::RunArgs::augment_args),
    ("save", image::SaveArgs::augment_args),
    ("search", search::SearchArgs::augment_args),
    ("start", container::StartArgs::augment_args),
    ("stats", container::StatsArgs::augment_args),
    ("stop", container::StopArgs::augment_args),
    ("tag", image::TagArgs::augment_args),
    ("top", container::TopArgs::augment_args),
    ("unpause", container::PauseArgs::augment_args),
    ("update", container::UpdateArgs::augment_args),
    ("version", system::VersionArgs::augment_args),
    ("wait", container::WaitArgs::augment_args),
];

/// The small tree for the command `name`: the root's options and that command alone.
fn tree(name: &str) -> Option<clap::Command> {
    let (name, augment) = LEAVES.iter().find(|(n, _)| *n == name)?;
    let root = GlobalArgs::augment_args(
        clap::Command::new("skiff")
            .disable_help_subcommand(true)
            .subcommand_required(true),
    );
    Some(super::tree::docker_rules(
        root.subcommand(augment(clap::Command::new(*name))),
    ))
}

/// `args` (the program's name first) parsed by the small tree of the command it names, or
/// `None` when that tree does not take it as it is: the caller then parses with the full tree.
pub(super) fn parse(args: &[OsString]) -> Option<Cli> {
    let mut tree = tree(args.get(1)?.to_str()?)?;
    let parsed = tree
        .try_get_matches_from_mut(args)
        .ok()
        .and_then(|m| Cli::from_arg_matches(&m).ok());
    // As the full tree: not freed, the process ends soon.
    std::mem::forget(tree);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &[&str]) -> Vec<OsString> {
        std::iter::once("skiff")
            .chain(line.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn full(line: &[&str]) -> Option<Cli> {
        let args = argv(line);
        let mut tree =
            super::super::tree::command_for(<Cli as clap::CommandFactory>::command(), &args[1..]);
        tree.try_get_matches_from_mut(&args)
            .ok()
            .and_then(|m| Cli::from_arg_matches(&m).ok())
    }

    /// Every name in the table is the derived command's, with the same arguments.
    #[test]
    fn the_table_is_the_derived_tree() {
        let full = <Cli as clap::CommandFactory>::command();
        for (name, augment) in LEAVES {
            let derived = full
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("{name} is not a top-level command"));
            assert!(!derived.has_subcommands(), "{name} has subcommands");
            let ids = |c: &clap::Command| -> Vec<String> {
                c.get_arguments().map(|a| a.get_id().to_string()).collect()
            };
            assert_eq!(
                ids(&augment(clap::Command::new(*name))),
                ids(derived),
                "{name}"
            );
        }
    }

    /// The small tree gives what the full tree gives, and declines what the full tree refuses
    /// or answers with help.
    #[test]
    fn parses_as_the_full_tree() {
        let same: &[&[&str]] = &[
            &["ps"],
            &[
                "ps",
                "-a",
                "--format",
                "{{.Names}}",
                "--filter",
                "status=exited",
                "-n",
                "2",
            ],
            &["ps", "--log-level", "debug", "-aq"],
            &["ps", "--storage-driver=vfs", "--no-trunc", "-s"],
            &[
                "exec",
                "-it",
                "-e",
                "A=-1",
                "web",
                "sh",
                "-c",
                "ls -h --help",
            ],
            &["exec", "-u", "0", "web", "true"],
            &[
                "run", "--rm", "--name", "a", "--name", "b", "busybox", "ls", "-h",
            ],
            &[
                "run",
                "-d",
                "--network",
                "none",
                "-e",
                "-x",
                "busybox",
                "sleep",
                "1",
            ],
            &["logs", "--since", "-1s", "web"],
            &["inspect", "-f", "{{.Id}}", "web"],
            &["restart", "-t", "0", "a", "b"],
            &["unpause", "a"],
            &["stop", "--time=3", "a"],
        ];
        for line in same {
            let fast = parse(&argv(line)).unwrap_or_else(|| panic!("fast path refused {line:?}"));
            let full = full(line).unwrap_or_else(|| panic!("full tree refused {line:?}"));
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{line:?}");
        }
        let declined: &[&[&str]] = &[
            &["ps", "--help"],
            &["ps", "-h"],
            &["run", "--help"],
            &["ps", "--bogus"],
            &["ps", "--version"],
            &["exec"],
            &["--log-level", "debug", "ps"],
            &["container", "ls"],
            &["system", "df"],
            &["nope"],
            &[],
        ];
        for line in declined {
            assert!(parse(&argv(line)).is_none(), "fast path took {line:?}");
        }
    }
}
