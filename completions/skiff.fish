# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_skiff_global_optspecs
    string join \n log-level= h/help V/version
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
complete -c skiff -n "__fish_skiff_needs_command" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_needs_command" -s V -l version -d 'Print version'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "container" -d 'Manage containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "image" -d 'Manage images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "run" -d 'Create and run a new container from an image'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "ps" -d 'List containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "logs" -d 'Fetch the logs of a container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "stop" -d 'Stop one or more running containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "pull" -d 'Download an image from a registry'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "images" -d 'List images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "rmi" -d 'Remove one or more images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "import" -d 'Import the contents from a tarball to create a filesystem image'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "inspect" -d 'Return low-level information on containers or images'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "completion" -d 'Output shell completion code for bash, zsh, fish, elvish or powershell'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "__gen-docs" -d 'Internal: write the man pages and completion scripts into DIR/man and DIR/completions'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "__monitor" -d 'Internal: the per-container monitor (skiff re-executed)'
complete -c skiff -n "__fish_skiff_needs_command" -f -a "__userns" -d 'Internal: run an operation as root inside a fresh user namespace'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "ls" -d 'List containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "run" -d 'Create and run a new container from an image'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "logs" -d 'Fetch the logs of a container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "stop" -d 'Stop one or more running containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "rm" -d 'Remove one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "inspect" -d 'Display detailed information on one or more containers'
complete -c skiff -n "__fish_skiff_using_subcommand container; and not __fish_seen_subcommand_from ls run logs stop rm wait inspect port" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display container IDs'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Connect a container to a network (none, host, slirp4netns[:OPTIONS], container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Follow log output'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -f -a "ls" -d 'List images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -f -a "pull" -d 'Download an image from a registry'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -f -a "rm" -d 'Remove one or more images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -f -a "import" -d 'Import the contents from a tarball to create a filesystem image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and not __fish_seen_subcommand_from ls pull rm import inspect" -f -a "inspect" -d 'Display detailed information on one or more images'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (default hides intermediate images)'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show digests'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force removal of the image'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Set commit message for imported image' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l name -d 'Assign a name to the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s e -l env -d 'Set environment variables' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s u -l user -d 'Username or UID (format: <name|uid>[:<group|gid>])' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s h -l hostname -d 'Container host name' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l network -l net -d 'Connect a container to a network (none, host, slirp4netns[:OPTIONS], container:NAME)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -s p -l publish -d 'Publish a container\'s port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l expose -d 'Expose a port or a range of ports' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l add-host -d 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns -d 'Set custom DNS servers' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates when pulling' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand run" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand run" -l help -d 'Print help (docker keeps -h for --hostname)'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s d -l detach -d 'Run container in background and print container ID'
complete -c skiff -n "__fish_skiff_using_subcommand run" -l rm -d 'Automatically remove the container when it exits'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s i -l interactive -d 'Keep STDIN open even if not attached'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c skiff -n "__fish_skiff_using_subcommand run" -s P -l publish-all -d 'Publish all exposed ports to random ports'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s a -l all -d 'Show all containers (default shows just running)'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s q -l quiet -d 'Only display container IDs'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand ps" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s f -l follow -d 'Follow log output'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s t -l timestamps -d 'Show timestamps'
complete -c skiff -n "__fish_skiff_using_subcommand logs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand stop" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c skiff -n "__fish_skiff_using_subcommand rm" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand wait" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand wait" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c skiff -n "__fish_skiff_using_subcommand pull" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand pull" -s q -l quiet -d 'Suppress verbose output'
complete -c skiff -n "__fish_skiff_using_subcommand pull" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand images" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand images" -s a -l all -d 'Show all images (default hides intermediate images)'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s q -l quiet -d 'Only show image IDs'
complete -c skiff -n "__fish_skiff_using_subcommand images" -l no-trunc -d 'Don\'t truncate output'
complete -c skiff -n "__fish_skiff_using_subcommand images" -l digests -d 'Show digests'
complete -c skiff -n "__fish_skiff_using_subcommand images" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -s f -l force -d 'Force removal of the image'
complete -c skiff -n "__fish_skiff_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand import" -s c -l change -d 'Apply Dockerfile instruction to the created image' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -s m -l message -d 'Set commit message for imported image' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand import" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s f -l format -d 'Format output using a custom template' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -l type -d 'Only inspect objects of the given type (container, image)' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand port" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand port" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand completion" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand completion" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand __gen-docs" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand __gen-docs" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand __monitor" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand __monitor" -s h -l help -d 'Print help'
complete -c skiff -n "__fish_skiff_using_subcommand __userns" -l log-level -d 'Log level: error, warn, info, debug or trace' -r
complete -c skiff -n "__fish_skiff_using_subcommand __userns" -s h -l help -d 'Print help'
