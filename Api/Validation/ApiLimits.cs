namespace AppSyncChat.Api.Validation;

/// <summary>Input bounds, in one place (the README lists them).</summary>
public static class ApiLimits
{
    /// <summary>User message text, in UTF-16 code units (what GraphQL clients count).</summary>
    public const int MaxTextLength = 32_000;

    public const int MaxSystemPromptLength = 10_000;

    /// <summary>A title given to createConversation (titles made from the first message are at most 60).</summary>
    public const int MaxTitleLength = 200;
    public const int MaxModelIdLength = 256;
    public const int MinMaxTokens = 1;
    public const int MaxMaxTokens = 65_536;
    public const double MinTemperature = 0;
    public const double MaxTemperature = 1;
    public const double MinTopP = 0;
    public const double MaxTopP = 1;
    public const int MaxMessageLimit = 1_000;
    public const int DefaultListLimit = 20;
    public const int MaxListLimit = 100;
    public const int MaxNextTokenLength = 1_024;
}
