namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The ports of the Local stack on 127.0.0.1. 0 means "any free port" (what tests use). The defaults are
/// the team's agreed ports; each has a flag and an environment variable (see <see cref="LocalSettingNames"/>).
/// </summary>
public sealed record LocalStackPorts
{
    public int GraphQL { get; init; } = 4000;

    public int EventsHttp { get; init; } = 4010;

    public int EventsTls { get; init; } = 4011;

    public int Bedrock { get; init; } = 4020;

    public int DynamoDb { get; init; } = 4030;

    public int Sqs { get; init; } = 4040;

    public int Lambda { get; init; } = 4050;

    public static LocalStackPorts Default { get; } = new();

    /// <summary>Every port chosen by the operating system.</summary>
    public static LocalStackPorts Dynamic { get; } = new()
    {
        GraphQL = 0,
        EventsHttp = 0,
        EventsTls = 0,
        Bedrock = 0,
        DynamoDb = 0,
        Sqs = 0,
        Lambda = 0,
    };

    /// <summary>(service, port, flag, environment variable) for error messages and checks.</summary>
    internal IEnumerable<PortBinding> All()
    {
        yield return new("GraphQL endpoint", GraphQL, LocalSettingNames.GraphQLPortFlag, LocalSettingNames.GraphQLPort);
        yield return new("AppSync Events HTTP/WebSocket", EventsHttp, LocalSettingNames.EventsPortFlag, LocalSettingNames.EventsPort);
        yield return new("AppSync Events TLS", EventsTls, LocalSettingNames.EventsTlsPortFlag, LocalSettingNames.EventsTlsPort);
        yield return new("Bedrock emulator", Bedrock, LocalSettingNames.BedrockPortFlag, LocalSettingNames.BedrockPort);
        yield return new("DynamoDB (dynalite)", DynamoDb, LocalSettingNames.DynamoDbPortFlag, LocalSettingNames.DynamoDbPort);
        yield return new("SQS (local-aws-sqs)", Sqs, LocalSettingNames.SqsPortFlag, LocalSettingNames.SqsPort);
        yield return new("Lambda Invoke API", Lambda, LocalSettingNames.LambdaPortFlag, LocalSettingNames.LambdaPort);
    }
}

internal sealed record PortBinding(string Service, int Port, string Flag, string EnvironmentVariable);
