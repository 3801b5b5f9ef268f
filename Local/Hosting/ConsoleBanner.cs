using System.Globalization;
using System.Text;

namespace AppSyncChat.Local.Hosting;

/// <summary>What <c>dotnet run --project Local</c> prints once everything is up: what to open, where things listen, how to authenticate.</summary>
internal static class ConsoleBanner
{
    public static string Format(LocalStackEndpoints e, TimeSpan startup, string? endpointsFile)
    {
        var b = new StringBuilder();
        var seconds = startup.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        b.AppendLine(CultureInfo.InvariantCulture, $"AppSyncChat local stack is ready ({seconds} s). Everything listens on 127.0.0.1 only.");
        b.AppendLine();
        b.AppendLine("Open:");
        if (e.WebAppUrl is not null)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $"  Chat app              {e.WebAppUrl}   (open it in two windows: both stream the same answer)");
        }

        b.AppendLine(CultureInfo.InvariantCulture, $"  GraphQL explorer      {e.ExplorerUrl}   (API key pre-filled; run the example sendMessage, watch its events beside the result)");
        b.AppendLine();
        Row(b, "GraphQL endpoint", e.GraphqlUrl);
        Row(b, "API key (x-api-key)", e.GraphqlApiKey);
        Row(b, "Local user token", $"{e.LocalUserToken}   (Authorization header; sub {e.LocalUserSub})");
        Row(b, "AppSync Events", Join(e.EventsHttpUrl, e.EventsRealtimeUrl));
        Row(b, "AppSync Events (TLS)", Join(e.EventsHttpsUrl, e.EventsRealtimeTlsUrl));
        Row(b, "Events certificate", e.EventsCertificatePath);
        Row(b, "Bedrock emulator", e.BedrockUrl is null ? null : $"{e.BedrockUrl}   (default model {e.ModelId})");
        Row(b, "DynamoDB (dynalite)", $"{e.DynamoDbUrl}   table {e.TableName}");
        Row(b, "SQS (local-aws-sqs)", e.QueueUrl is null ? e.SqsUrl : $"{e.SqsUrl}   queue {e.QueueUrl}   DLQ {e.DeadLetterQueueUrl}");
        Row(b, "Lambda Invoke API", e.LambdaUrl is null ? null : $"{e.LambdaUrl}   functions {e.ApiFunctionName}, {e.WorkerFunctionName}");
        Row(b, "Credentials", $"{e.AccessKeyId} / {e.SecretAccessKey}   region {e.Region}");
        Row(b, "Endpoints file", endpointsFile ?? "(not written: --no-endpoints-file)");
        b.AppendLine();
        b.AppendLine("Try it from another terminal:");
        b.AppendLine("  dotnet run --project Client/Cli -- send \"What time is it?\"          # streams the answer");
        b.AppendLine("  dotnet run --project Client/Cli -- watch <conversationId>         # a second viewer");
        b.AppendLine("  (a message can steer the local model: [[ttft=2000]] [[rate=5]] [[tokens=300]] [[fault=stream-error]])");
        b.AppendLine();
        b.AppendLine("Press Ctrl+C to stop (every child process stops with it).");
        return b.ToString();
    }

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a}   {b}";

    private static void Row(StringBuilder b, string name, string? value)
    {
        if (value is not null)
        {
            b.Append("  ").Append(name.PadRight(22)).AppendLine(value);
        }
    }
}
