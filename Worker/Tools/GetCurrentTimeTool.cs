using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AppSyncChat.Worker.Tools;

/// <summary>
/// <c>get_current_time</c>: the current date and time in a time zone. Input <c>{"timezone":"Europe/Paris"}</c>:
/// an IANA zone id (from the host's tz database), <c>UTC</c>, or a fixed offset such as <c>+05:30</c>;
/// absent means UTC. Output: JSON with the zone, the local ISO-8601 time, the UTC offset and the weekday.
/// </summary>
public sealed class GetCurrentTimeTool(TimeProvider time) : IChatTool
{
    public const string ToolName = "get_current_time";

    private static readonly JsonElement Schema = JsonDocument.Parse(
        """
        {"type":"object","properties":{"timezone":{"type":"string","description":"IANA time zone such as Europe/Paris, or UTC, or an offset such as +05:30. Defaults to UTC."}},"required":[]}
        """).RootElement.Clone();

    public string Name => ToolName;

    public string Description => "Returns the current date and time in a time zone.";

    public JsonElement InputSchema => Schema;

    public string? Describe(ToolArguments arguments) => $"Checking the time in {Zone(arguments)}";

    public Task<string> InvokeAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();
        var zone = Zone(arguments);
        var utc = time.GetUtcNow();
        var offset = ResolveOffset(zone, utc);
        var local = utc.ToOffset(offset);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timezone", zone);
            json.WriteString("localTime", local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            json.WriteString("utcOffset", local.ToString("zzz", CultureInfo.InvariantCulture));
            json.WriteString("dayOfWeek", local.DayOfWeek.ToString());
            json.WriteString("utcTime", utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return Task.FromResult(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Zone(ToolArguments arguments)
    {
        var zone = arguments.GetString("timezone")?.Trim();
        return string.IsNullOrEmpty(zone) ? "UTC" : zone;
    }

    private static TimeSpan ResolveOffset(string zone, DateTimeOffset utc)
    {
        if (zone.Equals("UTC", StringComparison.OrdinalIgnoreCase) || zone.Equals("GMT", StringComparison.OrdinalIgnoreCase) || zone == "Z")
        {
            return TimeSpan.Zero;
        }

        if (zone.Length > 0 && zone[0] is '+' or '-'
            && TimeSpan.TryParseExact(zone[1..], ["hh\\:mm", "hhmm", "hh"], CultureInfo.InvariantCulture, out var fixedOffset)
            && fixedOffset <= TimeSpan.FromHours(14))
        {
            return zone[0] == '-' ? -fixedOffset : fixedOffset;
        }

        if (zone.Length > 64)
        {
            throw new ToolInputException("The time zone name is too long.");
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone).GetUtcOffset(utc);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ToolInputException($"Unknown time zone '{zone}'. Use an IANA name such as Europe/Paris, UTC, or an offset such as +05:30.");
        }
    }
}
