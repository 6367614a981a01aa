# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_skiff_global_optspecs
    string join \n log-level= storage-driver= H/host= config= h/help V/version
end

function __fish_skiff_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_skiff_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_skiff_using_subcommand
    set -l cmd (__fish_skiff_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c skiff -n "__fish_skiff_needs_command" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_needs_command" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_needs_command" -s H -l host -d 'Daemon socket to connect to: skiff runs locally, so only its own API socket (or nothing) is accepted' -r
complete -c skiff -n "__fish_skiff_needs_command" -l config -d 'Location of client config files (docker\'s config.json: credentials, credential helpers; default: $DOCKER_CONFIG, else ~/.docker)' -r -F
complete -c skiff -n "__fish_skiff_needs_command" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_needs_command" -s V -l version -d 'Print version'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "container" -d 'Manage containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "image" -d 'Manage images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "system" -d 'Manage skiff'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "info" -d 'Display system-wide information'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "version" -d 'Show the skiff version information'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "events" -d 'Get real time events from containers, images, volumes and networks'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "network" -d 'Manage networks'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "manifest" -d 'Manage image manifests and manifest lists'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "context" -d 'Manage contexts (the default one: skiff runs locally)'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "healthcheck" -d 'Manage health checks on containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "generate" -d 'Generate structured data (systemd units) from containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "compose" -d 'Define and run multi-container applications (Compose files, natively)'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "builder" -d 'Manage builds'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "buildx" -d 'Docker Buildx (builds with skiff\'s own builder)'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "run" -d 'Create and run a new container from an image'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "exec" -d 'Execute a command in a running container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "ps" -d 'List containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "logs" -d 'Fetch the logs of a container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "stop" -d 'Stop one or more running containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "create" -d 'Create a new container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "start" -d 'Start one or more stopped containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "kill" -d 'Kill one or more running containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "rename" -d 'Rename a container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "restart" -d 'Restart one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "attach" -d 'Attach local standard input, output, and error streams to a running container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "top" -d 'Display the running processes of a container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "pause" -d 'Pause all processes within one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "unpause" -d 'Unpause all processes within one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "stats" -d 'Display a live stream of container(s) resource usage statistics'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "update" -d 'Update configuration of one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "pull" -d 'Download an image from a registry'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "images" -d 'List images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "rmi" -d 'Remove one or more images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "import" -d 'Import the contents from a tarball to create a filesystem image'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "inspect" -d 'Return low-level information on containers or images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "tag" -d 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "history" -d 'Show the history of an image'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "push" -d 'Upload an image to a registry'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "save" -d 'Save one or more images to a tar archive (streamed to STDOUT by default)'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "load" -d 'Load an image from a tar archive or STDIN'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "search" -d 'Search Docker Hub (or a registry with the search API) for images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "login" -d 'Log in to a registry'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "logout" -d 'Log out from a registry'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "diff" -d 'Inspect changes to files or directories on a container\'s filesystem'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "completion" -d 'Output shell completion code for bash, zsh, fish, elvish or powershell'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "__gen-docs" -d 'Internal: write the man pages and completion scripts into DIR/man and DIR/completions'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "ls" -d 'List containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "run" -d 'Create and run a new container from an image'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "logs" -d 'Fetch the logs of a container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "stop" -d 'Stop one or more running containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "rm" -d 'Remove one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "inspect" -d 'Display detailed information on one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "create" -d 'Create a new container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "start" -d 'Start one or more stopped containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "kill" -d 'Kill one or more running containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "rename" -d 'Rename a container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "restart" -d 'Restart one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "exec" -d 'Execute a command in a running container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "attach" -d 'Attach local standard input, output, and error streams to a running container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "top" -d 'Display the running processes of a container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "prune" -d 'Remove all stopped containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "pause" -d 'Pause all processes within one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "unpause" -d 'Unpause all processes within one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "stats" -d 'Display a live stream of container(s) resource usage statistics'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "update" -d 'Update configuration of one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "diff" -d 'Inspect changes to files or directories on a container\'s filesystem'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect create start kill rename restart exec attach top prune pause unpause stats update cp diff export commit port exists" -f -a "exists" -d 'Check if a container exists (podman): exit status 0 if it does, 1 if not'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show n last created containers (includes all states)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter output based on conditions provided (name, id, label, status, ancestor, exited, health)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Format output using a custom template (\'table\', \'table TEMPLATE\', \'json\' or a Go template)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display container IDs'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the latest created container (includes all states)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s s -l size -d 'Display total file sizes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Connect a container to a network (bridge: docker\'s default network, none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK; user networks may be given more than once)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind mount a volume (NAME:/path, /host/path:/path or /path, with :ro,rw,z,Z,U,nocopy and a propagation)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs directory (/path[:options])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l volumes-from -d 'Mount volumes from the specified container(s) (CONTAINER[:ro|:rw])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user-defined networks)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l ip -d 'IPv4 address (e.g., 172.30.100.104) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l ip6 -d 'IPv6 address (skiff\'s user networks have no IPv6)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l mac-address -d 'Container MAC address (e.g., 92:d0:c6:0a:29:33) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read in a file of environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set meta data on a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l label-file -d 'Read in a line delimited file of labels' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cidfile -d 'Write the container ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l pidfile -d 'Write the container\'s process ID to the file while it runs' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l sdnotify -d 'How to tell systemd the service is ready (conmon, container, healthy, ignore; default: container when $NOTIFY_SOCKET is set, else ignore)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l runtime -d 'Runtime to use for this container: an OCI runtime on $PATH (runc, crun) or its path (default: skiff\'s built-in runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options (no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Add additional groups to join' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal to stop the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Timeout (in seconds) to stop a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device -d 'Add a host device to the container (HOST[:CONTAINER[:PERMISSIONS]])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Logging driver for the container (json-file, k8s-file, journald, passthrough, none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Log driver options (max-size=SIZE, max-file=N, tag=TEMPLATE)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l platform -d 'Set platform if server is multi-platform capable (others need a binfmt_misc handler)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'Pull image before running (always, missing, never)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s m -l memory -d 'Memory limit (e.g. 64m; needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l oom-score-adj -d 'Tune host\'s OOM preferences (-1000 to 1000; rootless, only upwards)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device-cgroup-rule -d 'Add a rule to the cgroup allowed devices list (\'TYPE MAJOR:MINOR ACCESS\', e.g. \'c 1:3 rwm\')' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-cmd -d 'Command to run to check health' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-interval -d 'Time between running the check (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-period -d 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-interval -d 'Time between running the check during the start period (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l health-on-failure -d 'Action to take once the container turns unhealthy (none, kill, restart, stop)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l domainname -d 'Container NIS domain name' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l shm-size -d 'Size of /dev/shm (e.g. 64m)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l sysctl -d 'Sysctl options (namespaced ones: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l annotation -d 'Add an annotation to the container (passed through to the OCI runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l pid -d 'PID namespace to use (host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l ipc -d 'IPC mode to use (private, shareable, none, host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l uts -d 'UTS namespace to use (host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cgroupns -d 'Cgroup namespace to use (host, private)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'User namespace to use (host: the user\'s rootless namespace; keep-id[:uid=N,gid=M]: your uid and gid mapped to themselves, or to N and M, inside, with /etc/passwd and /etc/group entries, podman\'s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l gpus -d 'GPU devices to add to the container (\'all\' to pass all GPUs; needs a GPU driver)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l storage-opt -d 'Storage driver options for the container (skiff\'s drivers have none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l sig-proxy -d 'Proxy received signals to the process (run)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l detach-keys -d 'Override the key sequence for detaching a container (run)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-swappiness -d 'Tune container memory swappiness (0 to 100)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l cgroup-parent -d 'Optional parent cgroup for the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l replace -d 'If a container with the same name exists, replace it (remove it first)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Give extended privileges to this container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Suppress the pull output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l oom-kill-disable -d 'Disable OOM Killer'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Number of lines to show from the end of the logs ("all" for every line)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Show logs since a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Follow log output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l details -d 'Show extra details provided to logs (the log driver\'s attributes; skiff\'s drivers add none, so each line gets docker\'s empty-attributes prefix, a space)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s s -l signal -d 'Signal to send to the container (default: its stop signal)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -l cidfile -d 'Read the container ID from the file (repeatable)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s a -l all -d 'All running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s t -l time -d 'Seconds to wait for the stop before killing the container; needs --force (podman)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -l cidfile -d 'Read the container ID from the file, and remove the file with the container' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove anonymous volumes associated with the container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from wait" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'Connect a container to a network (bridge: docker\'s default network, none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK; user networks may be given more than once)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Bind mount a volume (NAME:/path, /host/path:/path or /path, with :ro,rw,z,Z,U,nocopy and a propagation)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs directory (/path[:options])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l volumes-from -d 'Mount volumes from the specified container(s) (CONTAINER[:ro|:rw])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user-defined networks)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l ip -d 'IPv4 address (e.g., 172.30.100.104) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l ip6 -d 'IPv6 address (skiff\'s user networks have no IPv6)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l mac-address -d 'Container MAC address (e.g., 92:d0:c6:0a:29:33) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read in a file of environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set meta data on a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l label-file -d 'Read in a line delimited file of labels' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cidfile -d 'Write the container ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l pidfile -d 'Write the container\'s process ID to the file while it runs' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l sdnotify -d 'How to tell systemd the service is ready (conmon, container, healthy, ignore; default: container when $NOTIFY_SOCKET is set, else ignore)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l runtime -d 'Runtime to use for this container: an OCI runtime on $PATH (runc, crun) or its path (default: skiff\'s built-in runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options (no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Add additional groups to join' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal to stop the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Timeout (in seconds) to stop a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device -d 'Add a host device to the container (HOST[:CONTAINER[:PERMISSIONS]])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Logging driver for the container (json-file, k8s-file, journald, passthrough, none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Log driver options (max-size=SIZE, max-file=N, tag=TEMPLATE)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l platform -d 'Set platform if server is multi-platform capable (others need a binfmt_misc handler)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'Pull image before running (always, missing, never)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s m -l memory -d 'Memory limit (e.g. 64m; needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l oom-score-adj -d 'Tune host\'s OOM preferences (-1000 to 1000; rootless, only upwards)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device-cgroup-rule -d 'Add a rule to the cgroup allowed devices list (\'TYPE MAJOR:MINOR ACCESS\', e.g. \'c 1:3 rwm\')' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-cmd -d 'Command to run to check health' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-interval -d 'Time between running the check (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-period -d 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-interval -d 'Time between running the check during the start period (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l health-on-failure -d 'Action to take once the container turns unhealthy (none, kill, restart, stop)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l domainname -d 'Container NIS domain name' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l shm-size -d 'Size of /dev/shm (e.g. 64m)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l sysctl -d 'Sysctl options (namespaced ones: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l annotation -d 'Add an annotation to the container (passed through to the OCI runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l pid -d 'PID namespace to use (host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l ipc -d 'IPC mode to use (private, shareable, none, host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l uts -d 'UTS namespace to use (host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cgroupns -d 'Cgroup namespace to use (host, private)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'User namespace to use (host: the user\'s rootless namespace; keep-id[:uid=N,gid=M]: your uid and gid mapped to themselves, or to N and M, inside, with /etc/passwd and /etc/group entries, podman\'s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l gpus -d 'GPU devices to add to the container (\'all\' to pass all GPUs; needs a GPU driver)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l storage-opt -d 'Storage driver options for the container (skiff\'s drivers have none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l sig-proxy -d 'Proxy received signals to the process (run)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l detach-keys -d 'Override the key sequence for detaching a container (run)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-swappiness -d 'Tune container memory swappiness (0 to 100)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l cgroup-parent -d 'Optional parent cgroup for the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l replace -d 'If a container with the same name exists, replace it (remove it first)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Give extended privileges to this container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Suppress the pull output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from create" -l oom-kill-disable -d 'Disable OOM Killer'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -s f -l filter -d 'With --all: only containers matching the filter (podman\'s restart-policy=POLICY, and ps\'s filters)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach STDOUT/STDERR and forward signals'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Attach container\'s STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -l all -d 'Start all containers that are not running (podman); an unless-stopped one stopped by hand stays stopped'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'Signal to send to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from kill" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from kill" -s a -l all -d 'Signal all running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rename" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -s s -l signal -d 'Signal to send to the container (default: its stop signal)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -l cidfile -d 'Read the container ID from the file (repeatable)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -s a -l all -d 'All running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -l env-file -d 'Read in a file of environment variables' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Detached mode: run command in the background'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -l privileged -d 'Give extended privileges to the command'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Proxy all received signals to the process' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not attach STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from top" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from top" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from pause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from pause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from pause" -s a -l all -d 'All running (for unpause: paused) containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from unpause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from unpause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from unpause" -s a -l all -d 'All running (for unpause: paused) containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -l format -d 'Format output using a custom template (\'table\', \'table TEMPLATE\', \'json\' or a Go template)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-trunc -d 'Do not truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l restart -d 'Restart policy to apply when a container exits' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -s m -l memory -d 'Memory limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -s a -l archive -d 'Archive mode (copy all uid/gid information)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -s L -l follow-link -d 'Always follow symbol link in SRC_PATH'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -s q -l quiet -d 'Suppress progress output during copy (there is none)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from diff" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from diff" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to a file, instead of STDOUT' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from export" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from export" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s m -l message -d 'Commit message' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s a -l author -d 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s p -l pause -d 'Pause container during commit (its processes are stopped with SIGSTOP while the layer is copied)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s q -l quiet -d 'Suppress output other than the image ID (podman; there is none)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from port" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "ls" -d 'List images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "pull" -d 'Download an image from a registry'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "rm" -d 'Remove one or more images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "import" -d 'Import the contents from a tarball to create a filesystem image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "inspect" -d 'Display detailed information on one or more images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "tag" -d 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "history" -d 'Show the history of an image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "prune" -d 'Remove unused images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "push" -d 'Upload an image to a registry'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "save" -d 'Save one or more images to a tar archive (streamed to STDOUT by default)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "load" -d 'Load an image from a tar archive or STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from build ls pull rm import inspect tag history prune push save load exists" -f -a "exists" -d 'Check if an image exists in local storage (podman): exit status 0 if it does, 1 if not'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -s t -l tag -d 'Name and optionally a tag in the name:tag format (repeatable)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -s f -l file -d 'Name of the Dockerfile (default: PATH/Dockerfile; - reads it from standard input)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l build-arg -d 'Set build-time variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l target -d 'Set the target build stage to build' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l label -d 'Set metadata for an image' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l iidfile -d 'Write the image ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l network -d 'Networking mode for the RUN instructions during build: default, none or host' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l progress -d 'Type of progress output: auto, plain, tty or quiet' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l platform -d 'Set the target platform (only the host\'s platform is supported)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -s o -l output -d 'Output destination: type=local,dest=DIR or type=tar,dest=FILE' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l secret -d 'Secret to expose to the build: id=ID,src=PATH' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l tls-verify -d 'Require HTTPS and verify certificates when pulling base images' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l ulimit -d 'Ulimit options for the RUN steps (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l allow -d 'Allow extra privileged entitlement (network.host: RUN --network=host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cache when building the image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -l pull -d 'Always attempt to pull a newer version of the base images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Suppress the build output and print the image ID on success'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter output based on conditions provided (dangling, label, reference, before, since, until)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (default hides intermediate images)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show digests'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Set platform if server is multi-platform capable (OS/ARCH[/VARIANT], e.g. linux/arm64)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -s a -l all-tags -d 'Download all tagged images in the repository'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force removal of the image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all images (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -l no-prune -d 'Do not delete untagged parents (skiff\'s images record no parent images, so there are none to delete either way)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Set commit message for imported image' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from tag" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Print sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (e.g. \'until=24h\', \'label=KEY=VALUE\')' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused images, not just dangling ones'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -s a -l all-tags -d 'Push all tags of an image to the repository'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to a file, instead of STDOUT' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'Archive format: docker-archive (default) or oci-archive' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Read from tar archive file, instead of STDIN' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from load" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from load" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Suppress the load output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "info" -d 'Display system-wide information'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "prune" -d 'Remove unused data'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "df" -d 'Show skiff disk usage'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "events" -d 'Get real time events from containers, images, volumes and networks'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "service" -d 'Serve the Docker Engine API on a socket, until idle'
complete -c skiff -n "__fish_skiff_using_subcommand system; and not __fish_seen_subcommand_from info prune df events service dial-stdio" -f -a "dial-stdio" -d 'Proxy stdin and stdout to the API service\'s socket (the docker CLI\'s ssh:// transport)'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from info" -s f -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from info" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from info" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (e.g. "label=<key>=<value>")' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused images not just dangling ones'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Prune anonymous volumes'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from df" -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from df" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from df" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from df" -s v -l verbose -d 'Show detailed information on space usage'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -l since -d 'Show all events created since timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -l until -d 'Stream events until this timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -s f -l filter -d 'Filter output based on conditions provided' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from events" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from service" -s t -l time -d 'Exit after this many idle seconds (0: never)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from service" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from service" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from service" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from dial-stdio" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from dial-stdio" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand system; and __fish_seen_subcommand_from dial-stdio" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand info" -s f -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand info" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand info" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand info" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand version" -s f -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand version" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand version" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand version" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand events" -l since -d 'Show all events created since timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -l until -d 'Stream events until this timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -s f -l filter -d 'Filter output based on conditions provided' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -l format -d 'Format the output using the given Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand events" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "create" -d 'Create a volume'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "ls" -d 'List volumes'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "rm" -d 'Remove one or more volumes'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "prune" -d 'Remove unused local volumes'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune exists" -f -a "exists" -d 'Check if a volume exists (podman): exit status 0 if it does, 1 if not'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -s d -l driver -d 'Specify volume driver name (only "local")' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -s o -l opt -d 'Set driver specific options (type=none, o=bind, device=/path)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -l label -d 'Set metadata for a volume' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -l ignore -d 'Succeed when a volume of that name exists already (podman; Quadlet units use it)'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Provide filter values (dangling=, driver=, label=, name=)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Format output using a custom template ({{.Name}}, {{.Driver}}, {{json .}}...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display volume names'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Do not fail on volumes that do not exist (volumes in use are still refused)'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (label=, label!=, all=)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused volumes, not just anonymous ones'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand volume; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "create" -d 'Create a network'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "ls" -d 'List networks'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "inspect" -d 'Display detailed information on one or more networks'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "rm" -d 'Remove one or more networks'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "prune" -d 'Remove all unused networks'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "connect" -d 'Connect a container to a network'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "disconnect" -d 'Disconnect a container from a network'
complete -c skiff -n "__fish_skiff_using_subcommand network; and not __fish_seen_subcommand_from create ls inspect rm prune connect disconnect exists" -f -a "exists" -d 'Check if a network exists (podman): exit status 0 if it does, 1 if not'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -s d -l driver -d 'Driver to manage the network (only "bridge")' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l subnet -d 'Subnet in CIDR format (default: the first free 10.89.N.0/24)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l gateway -d 'IPv4 gateway for the subnet (default: its first address)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l label -d 'Set metadata on a network' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l ip-range -d 'Allocate container ip from a sub-range (CIDR inside --subnet)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l aux-address -d 'Auxiliary IPv4 addresses used by the network driver, never given to containers' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -s o -l opt -d 'Set driver specific options (com.docker.network.driver.mtu is applied)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l ipv6 -d 'Enable IPv6 networking (skiff\'s networks are IPv4 only: refused)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l internal -d 'Restrict external access to the network'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -l ignore -d 'Succeed when a network of that name exists already (podman; Quadlet units use it)'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Provide filter values (name=, id=, driver=, label=, scope=, type=)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -l format -d 'Format output using a custom template ({{.ID}}, {{.Name}}, {{.Driver}}, {{json .}}...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display network IDs'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate the output'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from rm" -s f -l force -d 'Do not error if a network does not exist'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (label=...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from connect" -l alias -d 'Add a network-scoped alias for the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from connect" -l ip -d 'IPv4 address (e.g., 172.30.100.104)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from connect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from connect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from connect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s f -l force -d 'Accepted for compatibility'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from exists" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand network; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -f -a "create" -d 'Create a local manifest list for annotating and pushing to a registry'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -f -a "inspect" -d 'Display an image manifest, or manifest list'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -f -a "annotate" -d 'Add additional information to a local image manifest'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -f -a "push" -d 'Push a manifest list to a repository'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and not __fish_seen_subcommand_from create inspect annotate push rm" -f -a "rm" -d 'Delete one or more manifest lists from local storage'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from create" -s a -l amend -d 'Amend an existing manifest list'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from create" -l insecure -d 'Allow communication with an insecure registry'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l insecure -d 'Allow communication with an insecure registry'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -s v -l verbose -d 'Output additional info including layers and platform'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l arch -d 'Set architecture' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l os -d 'Set operating system' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l os-features -d 'Set operating system feature' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l os-version -d 'Set operating system version' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l variant -d 'Set architecture variant' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from annotate" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from push" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from push" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from push" -l insecure -d 'Allow push to an insecure registry'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from push" -s p -l purge -d 'Remove the local manifest list after push'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand manifest; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -f -a "ls" -d 'List contexts (skiff has the default context only)'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -f -a "list" -d 'List contexts (skiff has the default context only)'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -f -a "show" -d 'Print the name of the current context'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -f -a "use" -d 'Set the current docker context (only "default")'
complete -c skiff -n "__fish_skiff_using_subcommand context; and not __fish_seen_subcommand_from ls list show use inspect" -f -a "inspect" -d 'Display detailed information on one or more contexts'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from ls" -l format -d 'Format output using a custom template ("json" for JSON lines)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only show context names'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from list" -l format -d 'Format output using a custom template ("json" for JSON lines)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from list" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only show context names'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from show" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from show" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from use" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from use" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand context; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -f -a "run" -d 'Run the health check of a container'
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and not __fish_seen_subcommand_from systemd" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and not __fish_seen_subcommand_from systemd" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and not __fish_seen_subcommand_from systemd" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and not __fish_seen_subcommand_from systemd" -f -a "systemd" -d 'Generate systemd units for a container'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l restart-policy -d 'systemd restart policy (no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always)' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l restart-sec -d 'Seconds systemd waits before restarting the service' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s t -l time -d 'Stop timeout in seconds (default: the container\'s, else 10)' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l container-prefix -d 'Prefix of the service\'s name' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l separator -d 'Between the prefix and the name' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l new -d 'Create a new container at every start and remove it at stop (the unit does not need the container to exist)'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s n -l name -d 'Use the container\'s name instead of its ID in the unit'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s f -l files -d 'Write the unit to ./PREFIX-NAME.service instead of standard output, and print its path'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l no-header -d 'Leave out the header (generator version, time stamp)'
complete -c skiff -n "__fish_skiff_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -s f -l file -d 'Compose configuration files' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -s p -l project-name -d 'Project name' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -l project-directory -d 'Specify an alternate working directory (default: the path of the first Compose file)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -l env-file -d 'Specify an alternate environment file' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -l profile -d 'Specify a profile to enable' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "config" -d 'Parse, resolve and render the compose file in canonical format'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "up" -d 'Create and start containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "down" -d 'Stop and remove containers, networks'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "ps" -d 'List containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "logs" -d 'View output from containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "start" -d 'Start services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "stop" -d 'Stop services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "restart" -d 'Restart service containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "kill" -d 'Force stop service containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "rm" -d 'Removes stopped service containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "pause" -d 'Pause services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "unpause" -d 'Unpause services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "exec" -d 'Execute a command in a running container'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "run" -d 'Run a one-off command on a service'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "cp" -d 'Copy files/folders between a service container and the local filesystem'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "build" -d 'Build or rebuild services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "pull" -d 'Pull service images'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "push" -d 'Push service images'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "images" -d 'List images used by the created containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "top" -d 'Display the running processes'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "port" -d 'Print the public port for a port binding'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "ls" -d 'List running compose projects'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "version" -d 'Show the Docker Compose version information'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "create" -d 'Creates containers for a service'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "scale" -d 'Scale services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "wait" -d 'Block until containers of all (or specified) services stop'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "attach" -d 'Attach local standard input, output, and error streams to a service\'s running container'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "stats" -d 'Display a live stream of container(s) resource usage statistics'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "events" -d 'Receive real time events from containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and not __fish_seen_subcommand_from config up down ps logs start stop restart kill rm pause unpause exec run cp build pull push images top port ls version create scale wait attach stats events watch" -f -a "watch" -d 'Watch the build context for services and rebuild/refresh containers when files are updated (not supported by skiff)'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l format -d 'Format the output: yaml or json' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -s o -l output -d 'Save to file (default to stdout)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -s q -l quiet -d 'Only validate the configuration, don\'t print anything'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l services -d 'Print the service names, one per line'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l volumes -d 'Print the volume names, one per line'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l profiles -d 'Print the profile names, one per line'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -l images -d 'Print the image names, one per line'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l scale -d 'Scale SERVICE to NUM instances; overrides the `scale` setting in the Compose file' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait-timeout -d 'Maximum duration in seconds to wait for the project to be running|healthy' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -s t -l timeout -d 'Use this timeout in seconds for container shutdown when attached or when containers are already running' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -s d -l detach -d 'Detached mode: Run containers in the background'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l build -d 'Build images before starting containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-build -d 'Don\'t build an image, even if it\'s policy'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l force-recreate -d 'Recreate containers even if their configuration and image haven\'t changed'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-recreate -d 'If containers already exist, don\'t recreate them'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-deps -d 'Don\'t start linked services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-start -d 'Don\'t start the services after creating them'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait -d 'Wait for services to be running|healthy; implies detached mode'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -s V -l renew-anon-volumes -d 'Recreate anonymous volumes instead of retrieving data from the previous containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-color -d 'Produce monochrome output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-log-prefix -d 'Don\'t print prefix in logs'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -l abort-on-container-exit -d 'Stops all containers if any container was stopped; incompatible with -d'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -l rmi -d 'Remove images used by services: "local" removes only images that don\'t have a custom tag, "all" every image' -r -f -a "local\t''
all\t''"
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -s v -l volumes -d 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l format -d 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l status -d 'Filter services by a property (status=running)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all stopped containers (including those created by the run command)'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Only display IDs'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l services -d 'Display services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Number of lines to show from the end of the logs for each container' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l since -d 'Show logs since timestamp (2013-01-02T13:23:37Z) or relative (42m for 42 minutes)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l until -d 'Show logs before a timestamp or relative' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Follow log output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-color -d 'Produce monochrome output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-log-prefix -d 'Don\'t print prefix in logs'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from start" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from start" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stop" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stop" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stop" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from restart" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from restart" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from restart" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from kill" -s s -l signal -d 'SIGNAL to send to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from kill" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from kill" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from kill" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -s f -l force -d 'Don\'t ask to confirm removal'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -s s -l stop -d 'Stop the containers, if required, before removing'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove any anonymous volumes attached to containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s u -l user -d 'Run the command as this user' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -l index -d 'Index of the container if service has multiple replicas' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Path to workdir directory for this command' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Detached mode: Run command in the background'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -l privileged -d 'Give extended privileges to the process'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s T -l no-TTY -d 'Disable pseudo-TTY allocation. By default `exec` allocates a TTY when stdin is one'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the entrypoint of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s l -l label -d 'Add or override a label' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind mount a volume' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port(s) to the host' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s u -l user -d 'Run as specified username or uid' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s P -l service-ports -d 'Run command with all service\'s ports enabled and mapped to the host'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l no-deps -d 'Don\'t start linked services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -l build -d 'Build image before starting container'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s T -l no-TTY -d 'Disable pseudo-TTY allocation (default: auto-detected)'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Don\'t print anything to STDOUT'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -l index -d 'Index of the container if service has multiple replicas' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -s a -l archive -d 'Archive mode (copy all uid/gid information)'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -s L -l follow-link -d 'Always follow symbol link in SRC_PATH'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -l build-arg -d 'Set build-time variables for services' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cache when building the image'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -l pull -d 'Always attempt to pull a newer version of the image'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Don\'t print anything to STDOUT'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pull" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pull" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pull" -l ignore-pull-failures -d 'Pull what it can and ignores images with pull failures'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Pull without printing progress information'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from push" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from push" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from push" -l ignore-push-failures -d 'Push what it can and ignores images with push failures'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Push without printing progress information'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from images" -l format -d 'Format the output: table or json' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from images" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from images" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from images" -s q -l quiet -d 'Only display IDs'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from images" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from top" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from top" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from port" -l protocol -d 'tcp or udp' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from port" -l index -d 'Index of the container if service has multiple replicas' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from port" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -l format -d 'Format the output: table or json' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -l filter -d 'Filter output based on conditions provided (name=NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all stopped Compose projects'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display project names'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from version" -s f -l format -d 'Format the output: pretty or json' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from version" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from version" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from version" -l short -d 'Shows only Compose\'s version number'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from version" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l scale -d 'Scale SERVICE to NUM instances; overrides the `scale` setting in the Compose file' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l build -d 'Build images before starting containers'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l no-build -d 'Don\'t build an image, even if it\'s policy'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l force-recreate -d 'Recreate containers even if their configuration and image haven\'t changed'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l no-recreate -d 'If containers already exist, don\'t recreate them'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from scale" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from scale" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from scale" -l no-deps -d 'Don\'t start linked services'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from scale" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from wait" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from wait" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from wait" -l down-project -d 'Drops project when the first container stops'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l detach-keys -d 'Override the key sequence for detaching from a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l index -d 'index of the container if service has multiple replicas' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Proxy all received signals to the process' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not attach STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -l format -d 'Format output using a custom template (\'table\', \'table TEMPLATE\', \'json\' or a Go template)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -l no-trunc -d 'Do not truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -l since -d 'Show all events created since timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -l until -d 'Stream events until this timestamp' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -l json -d 'Output events as a stream of json objects'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from events" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -l no-up -d 'Do not build and start services before watching'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -l prune -d 'Prune dangling images on rebuild'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -l quiet -d 'hide build output'
complete -c skiff -n "__fish_skiff_using_subcommand compose; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and not __fish_seen_subcommand_from build prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and not __fish_seen_subcommand_from build prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and not __fish_seen_subcommand_from build prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and not __fish_seen_subcommand_from build prune" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and not __fish_seen_subcommand_from build prune" -f -a "prune" -d 'Remove build cache'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -s t -l tag -d 'Name and optionally a tag in the name:tag format (repeatable)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -s f -l file -d 'Name of the Dockerfile (default: PATH/Dockerfile; - reads it from standard input)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l build-arg -d 'Set build-time variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l target -d 'Set the target build stage to build' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l label -d 'Set metadata for an image' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l iidfile -d 'Write the image ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l network -d 'Networking mode for the RUN instructions during build: default, none or host' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l progress -d 'Type of progress output: auto, plain, tty or quiet' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l platform -d 'Set the target platform (only the host\'s platform is supported)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -s o -l output -d 'Output destination: type=local,dest=DIR or type=tar,dest=FILE' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l secret -d 'Secret to expose to the build: id=ID,src=PATH' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l tls-verify -d 'Require HTTPS and verify certificates when pulling base images' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l ulimit -d 'Ulimit options for the RUN steps (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l allow -d 'Allow extra privileged entitlement (network.host: RUN --network=host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cache when building the image'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -l pull -d 'Always attempt to pull a newer version of the base images'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Suppress the build output and print the image ID on success'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused build cache, not just dangling ones'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand builder; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and not __fish_seen_subcommand_from build prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and not __fish_seen_subcommand_from build prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and not __fish_seen_subcommand_from build prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and not __fish_seen_subcommand_from build prune" -f -a "build" -d 'Start a build'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and not __fish_seen_subcommand_from build prune" -f -a "prune" -d 'Remove build cache'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -s t -l tag -d 'Name and optionally a tag in the name:tag format (repeatable)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -s f -l file -d 'Name of the Dockerfile (default: PATH/Dockerfile; - reads it from standard input)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l build-arg -d 'Set build-time variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l target -d 'Set the target build stage to build' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l label -d 'Set metadata for an image' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l iidfile -d 'Write the image ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l network -d 'Networking mode for the RUN instructions during build: default, none or host' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l progress -d 'Type of progress output: auto, plain, tty or quiet' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l platform -d 'Set the target platform (only the host\'s platform is supported)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -s o -l output -d 'Output destination: type=local,dest=DIR or type=tar,dest=FILE' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l secret -d 'Secret to expose to the build: id=ID,src=PATH' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l tls-verify -d 'Require HTTPS and verify certificates when pulling base images' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l ulimit -d 'Ulimit options for the RUN steps (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l allow -d 'Allow extra privileged entitlement (network.host: RUN --network=host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cache when building the image'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -l pull -d 'Always attempt to pull a newer version of the base images'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Suppress the build output and print the image ID on success'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from prune" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused build cache, not just dangling ones'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c skiff -n "__fish_skiff_using_subcommand buildx; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand build" -s t -l tag -d 'Name and optionally a tag in the name:tag format (repeatable)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -s f -l file -d 'Name of the Dockerfile (default: PATH/Dockerfile; - reads it from standard input)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l build-arg -d 'Set build-time variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l target -d 'Set the target build stage to build' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l label -d 'Set metadata for an image' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l iidfile -d 'Write the image ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l network -d 'Networking mode for the RUN instructions during build: default, none or host' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l progress -d 'Type of progress output: auto, plain, tty or quiet' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l platform -d 'Set the target platform (only the host\'s platform is supported)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -s o -l output -d 'Output destination: type=local,dest=DIR or type=tar,dest=FILE' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l secret -d 'Secret to expose to the build: id=ID,src=PATH' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l tls-verify -d 'Require HTTPS and verify certificates when pulling base images' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand build" -l ulimit -d 'Ulimit options for the RUN steps (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l allow -d 'Allow extra privileged entitlement (network.host: RUN --network=host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand build" -l no-cache -d 'Do not use cache when building the image'
complete -c skiff -n "__fish_skiff_using_subcommand build" -l pull -d 'Always attempt to pull a newer version of the base images'
complete -c skiff -n "__fish_skiff_using_subcommand build" -s q -l quiet -d 'Suppress the build output and print the image ID on success'
complete -c skiff -n "__fish_skiff_using_subcommand build" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l network -l net -d 'Connect a container to a network (bridge: docker\'s default network, none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK; user networks may be given more than once)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s v -l volume -d 'Bind mount a volume (NAME:/path, /host/path:/path or /path, with :ro,rw,z,Z,U,nocopy and a propagation)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l mount -d 'Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l tmpfs -d 'Mount a tmpfs directory (/path[:options])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l volumes-from -d 'Mount volumes from the specified container(s) (CONTAINER[:ro|:rw])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user-defined networks)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l ip -d 'IPv4 address (e.g., 172.30.100.104) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l ip6 -d 'IPv6 address (skiff\'s user networks have no IPv6)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l mac-address -d 'Container MAC address (e.g., 92:d0:c6:0a:29:33) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand run" -l env-file -d 'Read in a file of environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s l -l label -d 'Set meta data on a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l label-file -d 'Read in a line delimited file of labels' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cidfile -d 'Write the container ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l pidfile -d 'Write the container\'s process ID to the file while it runs' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l sdnotify -d 'How to tell systemd the service is ready (conmon, container, healthy, ignore; default: container when $NOTIFY_SOCKET is set, else ignore)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l runtime -d 'Runtime to use for this container: an OCI runtime on $PATH (runc, crun) or its path (default: skiff\'s built-in runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cap-add -d 'Add Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cap-drop -d 'Drop Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l security-opt -d 'Security options (no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l group-add -d 'Add additional groups to join' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l stop-signal -d 'Signal to stop the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l stop-timeout -d 'Timeout (in seconds) to stop a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l ulimit -d 'Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device -d 'Add a host device to the container (HOST[:CONTAINER[:PERMISSIONS]])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l log-driver -d 'Logging driver for the container (json-file, k8s-file, journald, passthrough, none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l log-opt -d 'Log driver options (max-size=SIZE, max-file=N, tag=TEMPLATE)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l platform -d 'Set platform if server is multi-platform capable (others need a binfmt_misc handler)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l pull -d 'Pull image before running (always, missing, never)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l restart -d 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s m -l memory -d 'Memory limit (e.g. 64m; needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l oom-score-adj -d 'Tune host\'s OOM preferences (-1000 to 1000; rootless, only upwards)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device-cgroup-rule -d 'Add a rule to the cgroup allowed devices list (\'TYPE MAJOR:MINOR ACCESS\', e.g. \'c 1:3 rwm\')' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-cmd -d 'Command to run to check health' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-interval -d 'Time between running the check (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-start-period -d 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-start-interval -d 'Time between running the check during the start period (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l health-on-failure -d 'Action to take once the container turns unhealthy (none, kill, restart, stop)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l domainname -d 'Container NIS domain name' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l shm-size -d 'Size of /dev/shm (e.g. 64m)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l sysctl -d 'Sysctl options (namespaced ones: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l annotation -d 'Add an annotation to the container (passed through to the OCI runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l pid -d 'PID namespace to use (host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l ipc -d 'IPC mode to use (private, shareable, none, host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l uts -d 'UTS namespace to use (host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cgroupns -d 'Cgroup namespace to use (host, private)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l userns -d 'User namespace to use (host: the user\'s rootless namespace; keep-id[:uid=N,gid=M]: your uid and gid mapped to themselves, or to N and M, inside, with /etc/passwd and /etc/group entries, podman\'s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l gpus -d 'GPU devices to add to the container (\'all\' to pass all GPUs; needs a GPU driver)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l storage-opt -d 'Storage driver options for the container (skiff\'s drivers have none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l sig-proxy -d 'Proxy received signals to the process (run)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand run" -l detach-keys -d 'Override the key sequence for detaching a container (run)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l memory-swappiness -d 'Tune container memory swappiness (0 to 100)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l cgroup-parent -d 'Optional parent cgroup for the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l replace -d 'If a container with the same name exists, replace it (remove it first)'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l privileged -d 'Give extended privileges to this container'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s q -l quiet -d 'Suppress the pull output'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l oom-kill-disable -d 'Disable OOM Killer'
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -l env-file -d 'Read in a file of environment variables' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s d -l detach -d 'Detached mode: run command in the background'
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand exec" -l privileged -d 'Give extended privileges to the command'
complete -c skiff -n "__fish_skiff_using_subcommand exec" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s n -l last -d 'Show n last created containers (includes all states)' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s f -l filter -d 'Filter output based on conditions provided (name, id, label, status, ancestor, exited, health)' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l format -d 'Format output using a custom template (\'table\', \'table TEMPLATE\', \'json\' or a Go template)' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s q -l quiet -d 'Only display container IDs'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s l -l latest -d 'Show the latest created container (includes all states)'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s s -l size -d 'Display total file sizes'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s n -l tail -d 'Number of lines to show from the end of the logs ("all" for every line)' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l since -d 'Show logs since a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l until -d 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s f -l follow -d 'Follow log output'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s t -l timestamps -d 'Show timestamps'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l details -d 'Show extra details provided to logs (the log driver\'s attributes; skiff\'s drivers add none, so each line gets docker\'s empty-attributes prefix, a space)'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s s -l signal -d 'Signal to send to the container (default: its stop signal)' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -l cidfile -d 'Read the container ID from the file (repeatable)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand stop" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s a -l all -d 'All running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand stop" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s t -l time -d 'Seconds to wait for the stop before killing the container; needs --force (podman)' -r
complete -c skiff -n "__fish_skiff_using_subcommand rm" -l cidfile -d 'Read the container ID from the file, and remove the file with the container' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand rm" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s v -l volumes -d 'Remove anonymous volumes associated with the container'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s a -l all -d 'Remove all containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand wait" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand wait" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand wait" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l network -l net -d 'Connect a container to a network (bridge: docker\'s default network, none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK; user networks may be given more than once)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s v -l volume -d 'Bind mount a volume (NAME:/path, /host/path:/path or /path, with :ro,rw,z,Z,U,nocopy and a propagation)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l mount -d 'Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l tmpfs -d 'Mount a tmpfs directory (/path[:options])' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l volumes-from -d 'Mount volumes from the specified container(s) (CONTAINER[:ro|:rw])' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user-defined networks)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l ip -d 'IPv4 address (e.g., 172.30.100.104) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l ip6 -d 'IPv6 address (skiff\'s user networks have no IPv6)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l mac-address -d 'Container MAC address (e.g., 92:d0:c6:0a:29:33) on a user-defined network' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand create" -l env-file -d 'Read in a file of environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s l -l label -d 'Set meta data on a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l label-file -d 'Read in a line delimited file of labels' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cidfile -d 'Write the container ID to the file' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l pidfile -d 'Write the container\'s process ID to the file while it runs' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l sdnotify -d 'How to tell systemd the service is ready (conmon, container, healthy, ignore; default: container when $NOTIFY_SOCKET is set, else ignore)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l runtime -d 'Runtime to use for this container: an OCI runtime on $PATH (runc, crun) or its path (default: skiff\'s built-in runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cap-add -d 'Add Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cap-drop -d 'Drop Linux capabilities' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l security-opt -d 'Security options (no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l group-add -d 'Add additional groups to join' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l stop-signal -d 'Signal to stop the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l stop-timeout -d 'Timeout (in seconds) to stop a container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l ulimit -d 'Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device -d 'Add a host device to the container (HOST[:CONTAINER[:PERMISSIONS]])' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l log-driver -d 'Logging driver for the container (json-file, k8s-file, journald, passthrough, none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l log-opt -d 'Log driver options (max-size=SIZE, max-file=N, tag=TEMPLATE)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l platform -d 'Set platform if server is multi-platform capable (others need a binfmt_misc handler)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l pull -d 'Pull image before running (always, missing, never)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l restart -d 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s m -l memory -d 'Memory limit (e.g. 64m; needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l oom-score-adj -d 'Tune host\'s OOM preferences (-1000 to 1000; rootless, only upwards)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device-cgroup-rule -d 'Add a rule to the cgroup allowed devices list (\'TYPE MAJOR:MINOR ACCESS\', e.g. \'c 1:3 rwm\')' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-cmd -d 'Command to run to check health' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-interval -d 'Time between running the check (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-start-period -d 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-start-interval -d 'Time between running the check during the start period (ms|s|m|h) (default 0s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l health-on-failure -d 'Action to take once the container turns unhealthy (none, kill, restart, stop)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l domainname -d 'Container NIS domain name' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l shm-size -d 'Size of /dev/shm (e.g. 64m)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l sysctl -d 'Sysctl options (namespaced ones: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l annotation -d 'Add an annotation to the container (passed through to the OCI runtime)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l pid -d 'PID namespace to use (host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l ipc -d 'IPC mode to use (private, shareable, none, host, container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l uts -d 'UTS namespace to use (host)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cgroupns -d 'Cgroup namespace to use (host, private)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l userns -d 'User namespace to use (host: the user\'s rootless namespace; keep-id[:uid=N,gid=M]: your uid and gid mapped to themselves, or to N and M, inside, with /etc/passwd and /etc/group entries, podman\'s)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l gpus -d 'GPU devices to add to the container (\'all\' to pass all GPUs; needs a GPU driver)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l storage-opt -d 'Storage driver options for the container (skiff\'s drivers have none)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l sig-proxy -d 'Proxy received signals to the process (run)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand create" -l detach-keys -d 'Override the key sequence for detaching a container (run)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l memory-swappiness -d 'Tune container memory swappiness (0 to 100)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l cgroup-parent -d 'Optional parent cgroup for the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand create" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand create" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand create" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand create" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l replace -d 'If a container with the same name exists, replace it (remove it first)'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l privileged -d 'Give extended privileges to this container'
complete -c skiff -n "__fish_skiff_using_subcommand create" -s q -l quiet -d 'Suppress the pull output'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c skiff -n "__fish_skiff_using_subcommand create" -l oom-kill-disable -d 'Disable OOM Killer'
complete -c skiff -n "__fish_skiff_using_subcommand start" -s f -l filter -d 'With --all: only containers matching the filter (podman\'s restart-policy=POLICY, and ps\'s filters)' -r
complete -c skiff -n "__fish_skiff_using_subcommand start" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand start" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand start" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand start" -s a -l attach -d 'Attach STDOUT/STDERR and forward signals'
complete -c skiff -n "__fish_skiff_using_subcommand start" -s i -l interactive -d 'Attach container\'s STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand start" -l all -d 'Start all containers that are not running (podman); an unless-stopped one stopped by hand stays stopped'
complete -c skiff -n "__fish_skiff_using_subcommand start" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand kill" -s s -l signal -d 'Signal to send to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand kill" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand kill" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand kill" -s a -l all -d 'Signal all running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand kill" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand rename" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand rename" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand rename" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand restart" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand restart" -s s -l signal -d 'Signal to send to the container (default: its stop signal)' -r
complete -c skiff -n "__fish_skiff_using_subcommand restart" -l cidfile -d 'Read the container ID from the file (repeatable)' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand restart" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand restart" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand restart" -s a -l all -d 'All running containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand restart" -l ignore -d 'Ignore errors when a container (or a cidfile) is missing'
complete -c skiff -n "__fish_skiff_using_subcommand restart" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand attach" -l detach-keys -d 'Override the key sequence for detaching a container (default: detachKeys of config.json, else ctrl-p,ctrl-q)' -r
complete -c skiff -n "__fish_skiff_using_subcommand attach" -l sig-proxy -d 'Proxy all received signals to the process' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand attach" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand attach" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand attach" -l no-stdin -d 'Do not attach STDIN'
complete -c skiff -n "__fish_skiff_using_subcommand attach" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand top" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand top" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand top" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand pause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand pause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand pause" -s a -l all -d 'All running (for unpause: paused) containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand pause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand unpause" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand unpause" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand unpause" -s a -l all -d 'All running (for unpause: paused) containers (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand unpause" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand stats" -l format -d 'Format output using a custom template (\'table\', \'table TEMPLATE\', \'json\' or a Go template)' -r
complete -c skiff -n "__fish_skiff_using_subcommand stats" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand stats" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand stats" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c skiff -n "__fish_skiff_using_subcommand stats" -l no-trunc -d 'Do not truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand stats" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand update" -l restart -d 'Restart policy to apply when a container exits' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -s m -l memory -d 'Memory limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l cpus -d 'Number of CPUs (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l pids-limit -d 'Tune container pids limit (needs a delegated cgroup v2 hierarchy)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l kernel-memory -d 'Kernel memory limit (deprecated, no longer supported by the kernel: ignored)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l memory-swap -d 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l memory-reservation -d 'Memory soft limit' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l cpu-period -d 'Limit CPU CFS (Completely Fair Scheduler) period' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l cpu-quota -d 'Limit CPU CFS (Completely Fair Scheduler) quota' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l cpuset-mems -d 'MEMs in which to allow execution (0-3, 0,1)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l blkio-weight -d 'Block IO (relative weight), between 10 and 1000, or 0 to disable' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l blkio-weight-device -d 'Block IO weight (relative device weight)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l device-read-bps -d 'Limit read rate (bytes per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l device-write-bps -d 'Limit write rate (bytes per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l device-read-iops -d 'Limit read rate (IO per second) from a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l device-write-iops -d 'Limit write rate (IO per second) to a device' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand update" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l platform -d 'Set platform if server is multi-platform capable (OS/ARCH[/VARIANT], e.g. linux/arm64)' -r
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand pull" -s a -l all-tags -d 'Download all tagged images in the repository'
complete -c skiff -n "__fish_skiff_using_subcommand pull" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand pull" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s f -l filter -d 'Filter output based on conditions provided (dangling, label, reference, before, since, until)' -r
complete -c skiff -n "__fish_skiff_using_subcommand images" -l format -d 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand images" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand images" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand images" -s a -l all -d 'Show all images (default hides intermediate images)'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand images" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand images" -l digests -d 'Show digests'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s n -l noheading -d 'Do not print the column headings (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -s f -l force -d 'Force removal of the image'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -s a -l all -d 'Remove all images (podman)'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -l no-prune -d 'Do not delete untagged parents (skiff\'s images record no parent images, so there are none to delete either way)'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand import" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -s m -l message -d 'Set commit message for imported image' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s t -l type -d 'Only inspect objects of the given type (container, image, network, volume)' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s s -l size -d 'Display total file sizes if the type is container (SizeRw, SizeRootFs)'
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand tag" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand tag" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand tag" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand history" -s H -l human -d 'Print sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand history" -l format -d 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand history" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand history" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand history" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand history" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand history" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand history" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand push" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand push" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand push" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand push" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand push" -s a -l all-tags -d 'Push all tags of an image to the repository'
complete -c skiff -n "__fish_skiff_using_subcommand push" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand save" -s o -l output -d 'Write to a file, instead of STDOUT' -r
complete -c skiff -n "__fish_skiff_using_subcommand save" -l format -d 'Archive format: docker-archive (default) or oci-archive' -r
complete -c skiff -n "__fish_skiff_using_subcommand save" -l platform -d 'Only this platform (os/arch[/variant]): skiff stores one platform per image, which must be this one' -r
complete -c skiff -n "__fish_skiff_using_subcommand save" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand save" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand save" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand load" -s i -l input -d 'Read from tar archive file, instead of STDIN' -r
complete -c skiff -n "__fish_skiff_using_subcommand load" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand load" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand load" -s q -l quiet -d 'Suppress the load output'
complete -c skiff -n "__fish_skiff_using_subcommand load" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand search" -s f -l filter -d 'Filter output based on conditions provided (is-official=BOOL, stars=N)' -r
complete -c skiff -n "__fish_skiff_using_subcommand search" -l format -d 'Pretty-print search using a Go template' -r
complete -c skiff -n "__fish_skiff_using_subcommand search" -l limit -d 'Max number of search results' -r
complete -c skiff -n "__fish_skiff_using_subcommand search" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand search" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand search" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand search" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand search" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand login" -s u -l username -d 'Username' -r
complete -c skiff -n "__fish_skiff_using_subcommand login" -s p -l password -d 'Password' -r
complete -c skiff -n "__fish_skiff_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand login" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand login" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand login" -l password-stdin -d 'Take the password from stdin'
complete -c skiff -n "__fish_skiff_using_subcommand login" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand logout" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand logout" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand logout" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand cp" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand cp" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand cp" -s a -l archive -d 'Archive mode (copy all uid/gid information)'
complete -c skiff -n "__fish_skiff_using_subcommand cp" -s L -l follow-link -d 'Always follow symbol link in SRC_PATH'
complete -c skiff -n "__fish_skiff_using_subcommand cp" -s q -l quiet -d 'Suppress progress output during copy (there is none)'
complete -c skiff -n "__fish_skiff_using_subcommand cp" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand diff" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand diff" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand diff" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand export" -s o -l output -d 'Write to a file, instead of STDOUT' -r -F
complete -c skiff -n "__fish_skiff_using_subcommand export" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand export" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand export" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s m -l message -d 'Commit message' -r
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s a -l author -d 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' -r
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s p -l pause -d 'Pause container during commit (its processes are stopped with SIGSTOP while the layer is copied)' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand commit" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand commit" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s q -l quiet -d 'Suppress output other than the image ID (podman; there is none)'
complete -c skiff -n "__fish_skiff_using_subcommand commit" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand port" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand completion" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand completion" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand completion" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand __gen-docs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand __gen-docs" -l storage-driver -d 'Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest the kernel allows; see `skiff info`)' -r
complete -c skiff -n "__fish_skiff_using_subcommand __gen-docs" -s h -l help -d 'Print help'
