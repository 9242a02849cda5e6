using System.Text;

namespace PipShield.Service.Hosting.Install;

/// <summary>
/// The systemd unit <c>pipshield service install</c> writes: a <c>Type=notify</c> service under a dynamic user,
/// allowed to bind port 53 and little else.
/// </summary>
internal sealed class SystemdUnit
{
    public const string UnitName = "pipshield.service";

    public const string DefaultDirectory = "/etc/systemd/system";

    /// <summary>The first line of every unit we write; uninstall and a repeated install only touch files with it.</summary>
    public const string Marker = "# Written by 'pipshield service install'; 'pipshield service uninstall' removes it.";

    /// <summary>Where the service finds <c>pipshield.json</c>: systemd creates it from <c>ConfigurationDirectory=</c>.</summary>
    public const string ConfigurationDirectory = "/etc/pipshield";

    /// <summary>Where compiled images go: systemd creates it from <c>StateDirectory=</c>, owned by the dynamic user.</summary>
    public const string StateDirectory = "/var/lib/pipshield";

    /// <summary>The program and arguments that start the service in the foreground, e.g. <c>/opt/pipshield/pipshield run</c>.</summary>
    public required IReadOnlyList<string> ExecStart { get; init; }

    /// <summary>The .NET install the apphost should use, passed as <c>DOTNET_ROOT</c>. Default none: the apphost then
    /// looks only in the standard places (/usr/share/dotnet, /usr/lib/dotnet, /etc/dotnet/install_location).</summary>
    public string? DotnetRoot { get; init; }

    /// <summary>Capabilities the service keeps. Default: binding ports below 1024 only.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = ["CAP_NET_BIND_SERVICE"];

    public string Render()
    {
        string capabilities = string.Join(' ', Capabilities);
        string text = $"""
            {Marker}
            [Unit]
            Description=PipShield protective DNS resolver
            Wants=network-online.target
            After=network-online.target
            # A bad configuration fails every start: give up after 5 tries in 2 minutes rather than loop forever.
            StartLimitIntervalSec=120
            StartLimitBurst=5

            [Service]
            # READY=1 once the listeners answer; STOPPING=1 when a stop begins (sd_notify).
            Type=notify
            ExecStart={string.Join(' ', ExecStart.Select(a => QuoteArgument(a)))} run
            # SIGHUP reloads the block lists without dropping a query.
            ExecReload=/bin/kill -HUP $MAINPID
            Restart=on-failure
            RestartSec=5s
            # On SIGTERM queries in flight are answered first (at most 5 s); the host allows 30 s for all of shutdown.
            TimeoutStopSec=45s

            # A transient user allocated at start: no account to create or remove, and nothing else runs as it.
            DynamicUser=yes
            StateDirectory=pipshield
            ConfigurationDirectory=pipshield
            # pipshield.json is read from the working directory when it exists: put settings in {ConfigurationDirectory}/pipshield.json.
            WorkingDirectory={ConfigurationDirectory}
            Environment=PIPSHIELD__Lists__StateDirectory={StateDirectory}{(DotnetRoot is null ? string.Empty : "\nEnvironment=" + QuoteArgument("DOTNET_ROOT=" + DotnetRoot, expandsDollar: false))}

            # Port 53 needs CAP_NET_BIND_SERVICE; loading the firewall rules (install --firewall) adds CAP_NET_ADMIN.
            AmbientCapabilities={capabilities}
            CapabilityBoundingSet={capabilities}
            NoNewPrivileges=yes
            ProtectSystem=strict
            ProtectHome=yes
            PrivateTmp=yes
            PrivateDevices=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectKernelLogs=yes
            ProtectControlGroups=yes
            ProtectClock=yes
            ProtectHostname=yes
            ProtectProc=invisible
            RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
            RestrictNamespaces=yes
            RestrictRealtime=yes
            RestrictSUIDSGID=yes
            LockPersonality=yes
            RemoveIPC=yes
            SystemCallArchitectures=native
            SystemCallFilter=@system-service
            SystemCallErrorNumber=EPERM
            UMask=0077
            # MemoryDenyWriteExecute=yes is deliberately absent: the .NET JIT writes code into memory and then runs it.

            [Install]
            WantedBy=multi-user.target

            """;
        return text.ReplaceLineEndings("\n");
    }

    /// <summary>The sandbox setting that would hide <paramref name="path"/> from the service, or null when it is visible.</summary>
    public static string? HiddenBy(string path)
    {
        string full = Path.GetFullPath(path);
        foreach ((string folder, string setting) in new[] { ("/home/", "ProtectHome=yes"), ("/root/", "ProtectHome=yes"), ("/run/user/", "ProtectHome=yes"), ("/tmp/", "PrivateTmp=yes"), ("/var/tmp/", "PrivateTmp=yes") })
        {
            if (full.StartsWith(folder, StringComparison.Ordinal))
            {
                return setting;
            }
        }

        return null;
    }

    /// <summary>One ExecStart word or Environment= assignment: quoted when it holds spaces, with systemd's <c>%</c>
    /// (and for ExecStart <c>$</c>) expansions escaped.</summary>
    public static string QuoteArgument(string argument, bool expandsDollar = true)
    {
        string escaped = argument.Replace("%", "%%", StringComparison.Ordinal);
        if (expandsDollar)
        {
            escaped = escaped.Replace("$", "$$", StringComparison.Ordinal); // ExecStart= expands $VAR; Environment= does not
        }

        if (escaped.Length > 0 && escaped.AsSpan().IndexOfAny(" \t\"'\\;") < 0)
        {
            return escaped;
        }

        var quoted = new StringBuilder("\"");
        foreach (char c in escaped)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }
}
