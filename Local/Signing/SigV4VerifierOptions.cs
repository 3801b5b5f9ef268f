namespace AppSyncChat.Local.Signing;

/// <summary>What a local emulator accepts: its credentials, signing region and service, and the clock.</summary>
public sealed record SigV4VerifierOptions
{
    /// <summary>The local access key of the whole stack (deliberately not the form of a real AWS key).</summary>
    public const string LocalAccessKeyId = "AKIDLOCALAPPSYNCCHAT";

    /// <summary>The local secret key of the whole stack.</summary>
    public const string LocalSecretAccessKey = "local-secret-key-not-for-aws";

    /// <summary>The local region agreed for the whole stack.</summary>
    public const string LocalRegion = "us-east-1";

    /// <summary>Secret access keys by access key id.</summary>
    public required IReadOnlyDictionary<string, string> Credentials { get; init; }

    /// <summary>The signing region the emulator stands for, e.g. <c>us-east-1</c>.</summary>
    public required string Region { get; init; }

    /// <summary>The signing service name, e.g. <c>bedrock</c> or <c>appsync</c>.</summary>
    public required string Service { get; init; }

    /// <summary>How far the signing time may be from the server clock (AWS allows 5 minutes).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The agreed local credentials and region for <paramref name="service"/>.</summary>
    public static SigV4VerifierOptions ForLocalStack(string service, TimeProvider? timeProvider = null) => new()
    {
        Credentials = new Dictionary<string, string>(StringComparer.Ordinal) { [LocalAccessKeyId] = LocalSecretAccessKey },
        Region = LocalRegion,
        Service = service,
        TimeProvider = timeProvider ?? TimeProvider.System,
    };
}
