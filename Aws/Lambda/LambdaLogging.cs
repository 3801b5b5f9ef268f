using Microsoft.Extensions.Logging;

namespace AppSyncChat.Aws.Lambda;

/// <summary>
/// Console logging for our functions: one JSON object per line with scopes (Lambda's default, read by
/// CloudWatch Logs Insights), or single-line text for local runs (<c>APPSYNCCHAT_LOG_FORMAT=text</c>).
/// </summary>
public static class LambdaLogging
{
    public static ILoggerFactory CreateFactory(bool json) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(LogLevel.Information);
        if (json)
        {
            builder.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        else
        {
            builder.AddSimpleConsole(options =>
            {
                options.IncludeScopes = true;
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    });
}
