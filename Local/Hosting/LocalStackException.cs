namespace AppSyncChat.Local.Hosting;

/// <summary>Why the Local stack could not start or stopped unexpectedly.</summary>
public enum LocalStackErrorCode
{
    /// <summary>Node.js is not installed, not on PATH, or older than 20.</summary>
    NodeMissing,

    /// <summary><c>npm ci</c> in <c>Local/sidecar</c> failed.</summary>
    NpmInstallFailed,

    /// <summary>A port the stack needs is already in use.</summary>
    PortInUse,

    /// <summary>The repository layout (schema, sidecar folder) was not found.</summary>
    LayoutNotFound,

    /// <summary>The Node sidecar failed to start, or exited while the stack ran.</summary>
    SidecarFailed,

    /// <summary>A resource (table, queue) could not be created.</summary>
    ProvisioningFailed,

    /// <summary>A flag or environment variable has a bad value.</summary>
    InvalidOption,
}

/// <summary>
/// A start-up or run-time failure of the Local stack, with a message a developer can act on
/// (what failed, and the flag or step that fixes it). Built only through the factory methods below.
/// </summary>
public sealed class LocalStackException : Exception
{
    private LocalStackException(LocalStackErrorCode code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    public LocalStackErrorCode Code { get; }

    /// <summary>For <see cref="LocalStackErrorCode.PortInUse"/>: the port that was taken.</summary>
    public int? Port { get; private init; }

    /// <summary>For <see cref="LocalStackErrorCode.PortInUse"/>: the flag that changes it.</summary>
    public string? Flag { get; private init; }

    internal static LocalStackException NodeMissing(string node, string detail) => new(
        LocalStackErrorCode.NodeMissing,
        $"Node.js 20 or newer is required by the Local stack (dynalite, local-aws-sqs and the GraphQL endpoint run in a Node sidecar), but '{node}' {detail}. " +
        "Install Node.js 20+ (e.g. 'apt-get install nodejs', or from nodejs.org) or pass --node <path to node>.");

    internal static LocalStackException NpmInstallFailed(string directory, int exitCode, string output) => new(
        LocalStackErrorCode.NpmInstallFailed,
        $"'npm ci' in {directory} failed with exit code {exitCode}. Run it by hand to see why.{Environment.NewLine}{output}".TrimEnd());

    internal static LocalStackException PortInUse(string service, int port, string flag, string environmentVariable, Exception? inner = null) => new(
        LocalStackErrorCode.PortInUse,
        $"Port {port} on 127.0.0.1 ({service}) is already in use. Stop whatever holds it, or choose another port with {flag} <port> (or {environmentVariable}); 0 picks a free port.",
        inner)
    {
        Port = port,
        Flag = flag,
    };

    internal static LocalStackException LayoutNotFound(string what, string searched) => new(
        LocalStackErrorCode.LayoutNotFound,
        $"Could not find {what} (searched upwards from {searched}). Run from the AppSyncChat repository, or set LocalStackOptions.RepositoryRoot (--repository-root).");

    internal static LocalStackException SidecarFailed(string message, Exception? inner = null) => new(
        LocalStackErrorCode.SidecarFailed, $"The Node sidecar failed: {message}", inner);

    internal static LocalStackException ProvisioningFailed(string what, Exception inner) => new(
        LocalStackErrorCode.ProvisioningFailed, $"Could not create {what}: {inner.Message}", inner);

    internal static LocalStackException InvalidOption(string message) => new(LocalStackErrorCode.InvalidOption, message);
}
