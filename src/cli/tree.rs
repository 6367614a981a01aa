//! The clap tree as docker's command line behaves: docker's (pflag's) parsing rules applied to
//! every command, and `skiff --help` grouped as docker groups its commands.
//!
//! The rules are applied to the whole tree here rather than flag by flag, so that a flag added
//! later gets them too.
use clap::{Arg, Command};

/// docker's "Common Commands", in docker's order (its `category-top` annotations).
const COMMON: &[&str] = &[
    "run", "exec", "ps", "build", "pull", "push", "images", "login", "logout", "search", "version",
    "info",
];

/// The full clap tree of skiff, with docker's parsing rules and docker's grouped help.
pub fn command(cmd: Command) -> Command {
    let cmd = docker_rules(cmd);
    let template = grouped_help(&cmd);
    cmd.help_template(template)
}

/// The tree for parsing `args` (the command line without the program name): the grouped help
/// is built only when the root's help can be shown (no arguments, or `-h`, `--help`, `help`
/// anywhere); every other command line parses the same tree without it, which spares a
/// walk and a format of the whole tree on every command.
pub fn command_for(cmd: Command, args: &[std::ffi::OsString]) -> Command {
    let wants_help = args.is_empty()
        || args
            .iter()
            .any(|a| a == "-h" || a == "--help" || a == "help");
    if wants_help {
        command(cmd)
    } else {
        docker_rules(cmd)
    }
}

/// pflag's rules, for this command and all below it:
/// - a flag given twice keeps its last value (`--name a --name b` names the container `b`);
/// - a flag that takes a value takes the next argument even when it starts with `-`
///   (`logs --since -1s`, `-e -x`);
/// - a boolean flag with a value (`--human=false`) takes it only after `=`: `-H` alone is
///   `true`, and `-H false` would be `-H` followed by the argument `false`.
pub(super) fn docker_rules(cmd: Command) -> Command {
    cmd.args_override_self(true)
        .mut_args(flag_rules)
        .mut_subcommands(docker_rules)
}

fn flag_rules(arg: Arg) -> Arg {
    if arg.is_positional() || !arg.get_action().takes_values() {
        return arg;
    }
    let is_bool = arg
        .get_value_names()
        .is_some_and(|n| n.iter().any(|n| n.as_str() == "BOOL"));
    if is_bool {
        return arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true");
    }
    // A value that may be left out (`--flag` alone) must not swallow the next flag.
    if arg.get_num_args().is_some_and(|n| n.min_values() == 0) {
        return arg;
    }
    arg.allow_hyphen_values(true)
}

/// docker's `--help` layout: Common Commands, Management Commands (those with subcommands),
/// then every other command in alphabetical order, then the global options.
fn grouped_help(cmd: &Command) -> String {
    let visible: Vec<&Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    let width = visible
        .iter()
        .map(|s| s.get_name().len())
        .max()
        .unwrap_or(0)
        .max(11);
    let line = |s: &Command| {
        let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
        format!("  {:<width$} {about}\n", s.get_name())
    };
    let mut common = String::new();
    for name in COMMON {
        if let Some(s) = visible.iter().find(|s| s.get_name() == *name) {
            common.push_str(&line(s));
        }
    }
    let mut management: Vec<&Command> = visible
        .iter()
        .copied()
        .filter(|s| s.has_subcommands() && !COMMON.contains(&s.get_name()))
        .collect();
    management.sort_by_key(|s| s.get_name());
    let mut others: Vec<&Command> = visible
        .iter()
        .copied()
        .filter(|s| !s.has_subcommands() && !COMMON.contains(&s.get_name()))
        .collect();
    others.sort_by_key(|s| s.get_name());
    let management: String = management.into_iter().map(line).collect();
    let others: String = others.into_iter().map(line).collect();
    // clap writes unknown `{tags}` as they are, so descriptions need no escaping.
    format!(
        "Usage:  {{name}} [OPTIONS] COMMAND\n\n{{about}}\n\nCommon Commands:\n{}\nManagement Commands:\n{}\nCommands:\n{}\nGlobal Options:\n{{options}}\n\nRun '{{name}} COMMAND --help' for more information on a command.\n",
        common, management, others
    )
}
