using AppSyncChat.Contracts.Configuration;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api.Logging;

/// <summary>
/// Console logging: one JSON object per line (Lambda's default, read by CloudWatch Logs Insights) with
/// scopes — the runtime loop's <c>AwsRequestId</c>, and the resolver's field, owner, conversation,
/// message and client request ids — or plain text for local runs (<c>APPSYNCCHAT_LOG_FORMAT=text</c>).
/// Message text and prompts are never logged.
/// </summary>
public static class ApiLogging
{
    public static ILoggerFactory CreateFactory(Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = string.Equals(settings(SettingNames.LogFormat), "text", StringComparison.OrdinalIgnoreCase);
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Information);
            if (text)
            {
                builder.AddSimpleConsole(options =>
                {
                    options.IncludeScopes = true;
                    options.SingleLine = true;
                    options.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
            else
            {
                builder.AddJsonConsole(options =>
                {
                    options.IncludeScopes = true;
                    options.UseUtcTimestamp = true;
                    options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                });
            }
        });
    }
}
