//! The EXAMPLES sections of the `skiff compose` man pages (appended to the pages clap_mangen
//! writes from the clap tree).

/// The examples for the man page `name` (`skiff-compose-up`), if it has some.
pub fn examples(name: &str) -> Option<&'static str> {
    Some(match name {
        "skiff-compose" => COMPOSE,
        "skiff-compose-config" => CONFIG,
        _ => return None,
    })
}

const COMPOSE: &str = r#".SH EXAMPLES
Run the project of the compose.yaml in this directory (or a parent), look at it, and remove it
with its named volumes:
.PP
.nf
.RS
skiff compose up \-d
skiff compose ps
skiff compose logs \-f web
skiff compose down \-v
.RE
.fi
.PP
Two files merged (the second overrides the first), under another project name, with the
services of the "debug" profile too:
.PP
.nf
.RS
skiff compose \-f compose.yaml \-f compose.prod.yaml \-p shop \-\-profile debug up \-d
.RE
.fi
"#;

const CONFIG: &str = r#".SH EXAMPLES
The project as skiff reads it: variables from .env and the environment filled in, every key in
its long form, paths absolute:
.PP
.nf
.RS
skiff compose config
.RE
.fi
.PP
Check a file without printing it (exit status 125 and the file, line and key of the first
error if it is invalid); list its services:
.PP
.nf
.RS
skiff compose config \-q
skiff compose \-\-env\-file prod.env config \-\-services
.RE
.fi
"#;
