namespace AppSyncChat.Cli.Settings;

/// <summary>Every environment variable and option name the CLI reads, in one place.</summary>
public static class CliSettingNames
{
    public const string GraphQLUrl = "APPSYNCCHAT_GRAPHQL_URL";
    public const string ApiKey = "APPSYNCCHAT_API_KEY";
    public const string Token = "APPSYNCCHAT_TOKEN";
    public const string EventsUrl = "APPSYNCCHAT_EVENTS_URL";
    public const string EventsRealtimeUrl = "APPSYNCCHAT_EVENTS_REALTIME_URL";
    public const string EventsApiKey = "APPSYNCCHAT_EVENTS_API_KEY";
    public const string EndpointsFile = "APPSYNCCHAT_ENDPOINTS_FILE";

    public const string GraphQLUrlOption = "--graphql-url";
    public const string ApiKeyOption = "--api-key";
    public const string TokenOption = "--token";
    public const string EventsUrlOption = "--events-url";
    public const string EventsRealtimeUrlOption = "--events-realtime-url";
    public const string EventsApiKeyOption = "--events-api-key";
    public const string EndpointsFileOption = "--endpoints-file";

    public const string StartLocalHint = "start it with `dotnet run --project Local`";
}
