//! Hand-written parts of the man pages about systemd: the EXAMPLES sections of the commands
//! that matter for units (clap_mangen lists options only), and `skiff-systemd.unit(5)`, the
//! Quadlet file format. `__gen-docs` writes them with the generated pages.

/// The EXAMPLES section (roff) of the page `name` (`skiff-generate-systemd`...), if it has one.
pub fn examples(name: &str) -> Option<&'static str> {
    Some(match name {
        "skiff-generate-systemd" => GENERATE,
        "skiff-run" | "skiff-container-run" | "skiff-create" | "skiff-container-create" => RUN,
        "skiff-start" | "skiff-container-start" => START,
        _ => return None,
    })
}

const GENERATE: &str = r#".SH EXAMPLES
Create a container, then a unit that makes a fresh one at every start, and run it as a user
service:
.PP
.nf
.RS
skiff create \-\-name web \-p 8080:80 busybox httpd \-f
skiff generate systemd \-\-new \-\-name \-\-files web
mv container\-web.service ~/.config/systemd/user/
systemctl \-\-user daemon\-reload
systemctl \-\-user enable \-\-now container\-web.service
.RE
.fi
.PP
A unit for the existing container (Type=forking, the monitor's PID file), restarted by systemd
five seconds after a failure:
.PP
.nf
.RS
skiff generate systemd \-\-restart\-policy on\-failure \-\-restart\-sec 5 web
.RE
.fi
"#;

const RUN: &str = r#".SH EXAMPLES
Tell systemd (a Type=notify unit) that the service is ready once the container runs; the
container's monitor becomes the unit's main process:
.PP
.nf
.RS
skiff run \-d \-\-name web \-\-sdnotify=conmon \-p 8080:80 busybox httpd \-f
.RE
.fi
.PP
Only once its healthcheck passes:
.PP
.nf
.RS
skiff run \-d \-\-sdnotify=healthy \-\-health\-cmd 'wget \-qO\- http://127.0.0.1/' \e
    \-\-replace \-\-name web \-\-cidfile %t/web.cid IMAGE
.RE
.fi
.PP
Let the application say it itself (it finds the socket in $NOTIFY_SOCKET,
/run/notify/notify.sock):
.PP
.nf
.RS
skiff run \-d \-\-sdnotify=container \-\-pidfile /run/user/1000/app.pid IMAGE
.RE
.fi
.PP
Write the container's output straight to the unit's journal stream, or to the journal with
docker's fields (read back by \fBskiff logs\fR through journalctl):
.PP
.nf
.RS
skiff run \-d \-\-log\-driver passthrough \-\-sdnotify=conmon IMAGE
skiff run \-d \-\-log\-driver journald \-\-log\-opt tag='web/{{.Name}}' IMAGE
journalctl CONTAINER_NAME=web
.RE
.fi
"#;

const START: &str = r#".SH EXAMPLES
What skiff\-restart.service runs at login: start every container whose restart policy is always
or unless\-stopped (an unless\-stopped container stopped by hand stays stopped):
.PP
.nf
.RS
skiff start \-\-all \-\-filter restart\-policy=always \-\-filter restart\-policy=unless\-stopped
systemctl \-\-user enable skiff\-restart.service
.RE
.fi
"#;

/// `skiff-systemd.unit(5)`.
pub const UNIT_PAGE: &str = r#".TH skiff-systemd.unit 5 "" "skiff" "File Formats"
.SH NAME
skiff\-systemd.unit \- containers, volumes and networks as systemd units (Quadlet files)
.SH SYNOPSIS
.nf
~/.config/containers/systemd/\fINAME\fR.container
~/.config/containers/systemd/\fINAME\fR.volume
~/.config/containers/systemd/\fINAME\fR.network
~/.config/containers/systemd/\fINAME\fR.image
.fi
.PP
Also read: /etc/containers/systemd/users/\fIUID\fR/, /etc/containers/systemd/users/,
~/.config/skiff/systemd/ (the first directory holding a name wins); $QUADLET_UNIT_DIRS
(colon\-separated) replaces the list.
.SH DESCRIPTION
The user generator /usr/lib/systemd/user\-generators/skiff\-user\-generator (a link to skiff)
runs at login and at \fBsystemctl \-\-user daemon\-reload\fR. It turns each file into a unit:
\fINAME\fR.container into \fINAME\fR.service, which runs \fBskiff run \-\-name
systemd\-\fINAME\fR \-\-replace \-\-rm \-\-sdnotify=conmon \-d\fR ... as a Type=notify service;
\fINAME\fR.volume into \fINAME\fR\-volume.service, creating the volume systemd\-\fINAME\fR;
\fINAME\fR.network into \fINAME\fR\-network.service, creating the network systemd\-\fINAME\fR;
\fINAME\fR.image into \fINAME\fR\-image.service, pulling the image (a oneshot that stays
active).
.PP
A .container may name the other files: \fBImage=\fINAME\fB.image\fR, \fBVolume=\fINAME\fB.volume:\fIPATH\fR,
\fBNetwork=\fINAME\fB.network\fR. It then uses the name that file gives (its ImageTag= or
Image=, VolumeName=, NetworkName=, else systemd\-\fINAME\fR) and its unit gets Requires= and
After= on that file's service. Naming a file that does not exist is an error.
.PP
The key names are podman's Quadlet keys, so podman's files work. [Unit], [Service], [Install]
and other sections are passed through; [Install] WantedBy= and RequiredBy= make the links that
\fBsystemctl enable\fR would. A key skiff does not know is an error that names the file and the
line; that file gives no unit (the others still do). Run \fBskiff __quadlet \-\-dryrun\fR to see
the units and the errors.
.SH [Container] KEYS
.TP
\fBImage=\fR (required)
The image, or \fINAME\fR.image (the image that file pulls).
.TP
\fBContainerName=\fR
The container's name (default systemd\-%N).
.TP
\fBExec=\fR
The command and its arguments (systemd quoting), after the image.
.TP
\fBEntrypoint=\fR
\-\-entrypoint.
.TP
\fBEnvironment=\fR
KEY=VALUE words, each an \-\-env.
.TP
\fBEnvironmentFile=\fR
\-\-env\-file.
.TP
\fBPublishPort=\fR
\-\-publish.
.TP
\fBVolume=\fR
\-v; a source NAME.volume means the volume of NAME.volume (systemd\-NAME), and the unit requires
NAME\-volume.service.
.TP
\fBTmpfs=\fR
\-\-tmpfs.
.TP
\fBNetwork=\fR
\-\-network; NAME.network means systemd\-NAME, and the unit requires NAME\-network.service.
.TP
\fBLabel=\fR
KEY=VALUE words, each a \-\-label.
.TP
\fBUser=\fR, \fBGroup=\fR
\-\-user USER[:GROUP] (Group needs User).
.TP
\fBWorkingDir=\fR, \fBHostName=\fR
\-\-workdir, \-\-hostname.
.TP
\fBAddCapability=\fR, \fBDropCapability=\fR
Capability names, each a \-\-cap\-add or \-\-cap\-drop.
.TP
\fBReadOnly=\fR
A boolean: \-\-read\-only.
.TP
\fBNotify=\fR
true: the application tells systemd it is ready (\-\-sdnotify=container); healthy: the first
passing healthcheck does (\-\-sdnotify=healthy, needs HealthCmd); false (default): ready once
the container runs (\-\-sdnotify=conmon).
.TP
\fBHealthCmd=\fR, \fBHealthInterval=\fR, \fBHealthRetries=\fR, \fBHealthTimeout=\fR, \fBHealthStartPeriod=\fR, \fBHealthStartupInterval=\fR, \fBHealthOnFailure=\fR
The \-\-health\-* flags.
.TP
\fBPull=\fR
\-\-pull.
.TP
\fBLogDriver=\fR, \fBLogOpt=\fR
\-\-log\-driver (passthrough: the container writes straight to the unit's journal stream;
journald: to the journal, with CONTAINER_NAME and the other docker fields), \-\-log\-opt
(each, e.g. tag=web).
.TP
\fBPodmanArgs=\fR
Further skiff run arguments (systemd quoting), before the image.
.SH [Volume] KEYS
\fBVolumeName=\fR (default systemd\-%N), \fBLabel=\fR, \fBDriver=\fR, \fBPodmanArgs=\fR.
.SH [Network] KEYS
\fBNetworkName=\fR (default systemd\-%N), \fBSubnet=\fR, \fBGateway=\fR, \fBInternal=\fR,
\fBLabel=\fR, \fBDriver=\fR, \fBPodmanArgs=\fR.
.SH [Image] KEYS
\fBImage=\fR (required, what is pulled), \fBImageTag=\fR (a name given to it once pulled, the
one a .container naming this file runs), \fBAllTags=\fR (\-\-all\-tags), \fBOS=\fR,
\fBArch=\fR, \fBVariant=\fR (\-\-platform OS/ARCH/VARIANT; OS defaults to linux, Arch to the
host's), \fBTLSVerify=\fR, \fBPodmanArgs=\fR (further skiff pull arguments).
.SH EXAMPLES
~/.config/containers/systemd/web.container:
.PP
.nf
.RS
[Unit]
Description=A web server

[Container]
Image=docker.io/library/busybox
Exec=httpd \-f \-p 80 \-h /srv
Volume=site.volume:/srv
PublishPort=8080:80
Notify=healthy
HealthCmd=wget \-qO\- http://127.0.0.1/

[Service]
Restart=always

[Install]
WantedBy=default.target
.RE
.fi
.PP
with ~/.config/containers/systemd/site.volume holding just \fB[Volume]\fR; then
.PP
.nf
.RS
systemctl \-\-user daemon\-reload
systemctl \-\-user start web
.RE
.fi
.SH SEE ALSO
skiff\-generate\-systemd(1), skiff\-run(1), systemd.unit(5), podman\-systemd.unit(5)
"#;
