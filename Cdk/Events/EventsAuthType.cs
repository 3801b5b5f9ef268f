namespace AppSyncChat.Cdk.Events;

/// <summary>Authorization types of an AppSync Event API (the CloudFormation <c>AuthType</c> values).</summary>
public enum EventsAuthType
{
    ApiKey,
    CognitoUserPools,
    Iam,
}

/// <summary>Wire names of the CloudFormation <c>AWS::AppSync::Api</c> / <c>AWS::AppSync::ChannelNamespace</c> schema, in one place.</summary>
public static class EventsCfn
{
    public const string ApiType = "AWS::AppSync::Api";
    public const string ApiKeyType = "AWS::AppSync::ApiKey";
    public const string ChannelNamespaceType = "AWS::AppSync::ChannelNamespace";

    // AWS::AppSync::Api return values (Fn::GetAtt).
    public const string AttrApiId = "ApiId";
    public const string AttrApiArn = "ApiArn";
    public const string AttrDnsHttp = "Dns.Http";
    public const string AttrDnsRealtime = "Dns.Realtime";

    // AWS::AppSync::ChannelNamespace and AWS::AppSync::ApiKey return values.
    public const string AttrChannelNamespaceArn = "ChannelNamespaceArn";
    public const string AttrApiKey = "ApiKey";

    /// <summary>The only handler runtime AppSync Events offers for <c>CodeHandlers</c>.</summary>
    public const string HandlerBehaviorCode = "CODE";

    public static string ToWire(this EventsLogLevel level) => level switch
    {
        EventsLogLevel.Error => "ERROR",
        EventsLogLevel.Info => "INFO",
        EventsLogLevel.Debug => "DEBUG",
        EventsLogLevel.All => "ALL",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown Events log level."),
    };

    public static string ToWire(this EventsAuthType type) => type switch
    {
        EventsAuthType.ApiKey => "API_KEY",
        EventsAuthType.CognitoUserPools => "AMAZON_COGNITO_USER_POOLS",
        EventsAuthType.Iam => "AWS_IAM",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown Events auth type."),
    };
}
