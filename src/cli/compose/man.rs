//! The EXAMPLES sections of the `skiff compose` man pages (appended to the pages clap_mangen
//! writes from the clap tree).

/// The examples for the man page `name` (`skiff-compose-up`), if it has some.
pub fn examples(name: &str) -> Option<&'static str> {
    Some(match name {
        "skiff-compose" => COMPOSE,
        "skiff-compose-config" => CONFIG,
        "skiff-compose-up" => UP,
        "skiff-compose-down" => DOWN,
        "skiff-compose-logs" => LOGS,
        "skiff-compose-exec" => EXEC,
        "skiff-compose-run" => RUN,
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
Check a file without printing it (exit status 1 and the file, line and key of the first
error if it is invalid); list its services:
.PP
.nf
.RS
skiff compose config \-q
skiff compose \-\-env\-file prod.env config \-\-services
.RE
.fi
"#;

const UP: &str = r#".SH EXAMPLES
Start the project in the background; run it again after editing the file: only the services
whose configuration changed are recreated:
.PP
.nf
.RS
skiff compose up \-d
skiff compose up \-d
.RE
.fi
.PP
Three workers, the web service and what it depends on only, images built first; or in the
foreground, every container's output prefixed with its name (Ctrl\-C stops the project):
.PP
.nf
.RS
skiff compose up \-d \-\-scale worker=3
skiff compose up \-d \-\-build web
skiff compose up
.RE
.fi
"#;

const DOWN: &str = r#".SH EXAMPLES
Remove the project's containers and networks (named volumes stay), or everything with its named
volumes and the images it built, giving each container 2 seconds to stop:
.PP
.nf
.RS
skiff compose down
skiff compose down \-v \-\-rmi local \-t 2
.RE
.fi
"#;

const LOGS: &str = r#".SH EXAMPLES
Follow the web service's output from its last 20 lines, with timestamps:
.PP
.nf
.RS
skiff compose logs \-f \-n 20 \-t web
.RE
.fi
"#;

const EXEC: &str = r#".SH EXAMPLES
A shell in the db service's container; a command in the second web container, without a
terminal (in scripts), as root:
.PP
.nf
.RS
skiff compose exec db sh
skiff compose exec \-T \-\-index 2 \-u 0 web cat /etc/hostname
.RE
.fi
"#;

const RUN: &str = r#".SH EXAMPLES
A one\-off migration with the tool service's image, environment, volumes and networks (its
dependencies started first), removed when it ends; its exit status is the command's:
.PP
.nf
.RS
skiff compose run \-\-rm tool ./migrate
skiff compose run \-\-rm \-\-no\-deps \-e DEBUG=1 \-\-entrypoint sh tool \-c 'env'
.RE
.fi
"#;
