using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Hosting;

/// <summary>
/// Console logging: one JSON object per line (Lambda's default, for CloudWatch Logs Insights) with the
/// scopes the runtime loop and the batch handler open — AwsRequestId, SQS message id, receive count,
/// conversation, message and request ids, traceparent — or plain text for local runs
/// (<c>APPSYNCCHAT_LOG_FORMAT=text</c>). Prompts and answer text are never logged.
/// </summary>
public static class WorkerLogging
{
    public static ILoggerFactory CreateFactory(bool json)
    {
        return LoggerFactory.Create(builder =>
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
}
