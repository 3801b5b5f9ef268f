using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>What the HTTP and WebSocket sides share: configuration, authorizer, broker, counters.</summary>
internal sealed class EmulatorCore
{
    private readonly Dictionary<string, EventsNamespaceOptions> _namespaces;

    public EmulatorCore(AppSyncEventsEmulatorOptions options, ILogger logger)
    {
        Options = options;
        Logger = logger;
        Stats = new EmulatorStats();
        Broker = new EventsBroker(options, Stats);
        Authorizer = new EmulatorAuthorizer(options);
        PublishFaults = options.PublishFaults is { } faults ? new PublishFaultDraw(faults) : null;
        _namespaces = options.Namespaces.ToDictionary(n => n.Name, StringComparer.Ordinal);
    }

    public AppSyncEventsEmulatorOptions Options { get; }

    public ILogger Logger { get; }

    public EmulatorStats Stats { get; }

    public EventsBroker Broker { get; }

    public EmulatorAuthorizer Authorizer { get; }

    /// <summary>The opt-in publish faults (null: none).</summary>
    public PublishFaultDraw? PublishFaults { get; }

    public EventsNamespaceOptions? FindNamespace(string normalizedChannel) =>
        _namespaces.GetValueOrDefault(EmulatorChannels.NamespaceOf(normalizedChannel));

    /// <summary>Reads the <c>events</c> array: JSON strings only.</summary>
    public static bool TryReadEvents(JsonElement container, out List<string> events, out string error)
    {
        events = [];
        error = string.Empty;
        if (!container.TryGetProperty("events", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            error = "'events' must be an array of JSON strings.";
            return false;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                error = "Each element of 'events' must be a string holding one event's JSON text.";
                return false;
            }

            events.Add(item.GetString()!);
        }

        if (events.Count == 0)
        {
            error = "'events' must contain at least one event.";
            return false;
        }

        if (events.Count > EventsWireNames.Limits.MaxEventsPerPublish)
        {
            error = $"A publish carries at most {EventsWireNames.Limits.MaxEventsPerPublish} events; got {events.Count}.";
            return false;
        }

        return true;
    }

    public static void WritePublishResult(Utf8JsonWriter w, PublishItem[] items)
    {
        w.WriteStartArray("successful");
        foreach (var item in items.Where(i => i.Succeeded))
        {
            w.WriteStartObject();
            w.WriteString("identifier", item.Identifier);
            w.WriteNumber("index", item.Index);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("failed");
        foreach (var item in items.Where(i => !i.Succeeded))
        {
            w.WriteStartObject();
            w.WriteString("identifier", item.Identifier);
            w.WriteNumber("index", item.Index);
            w.WriteNumber("code", item.Code!.Value);
            w.WriteString("message", item.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>An authorization JSON object as a case-insensitive header map (non-string values as raw text).</summary>
    public static Dictionary<string, string>? ReadHeaderObject(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            headers[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return headers;
    }
}
