using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Conversations.Table;

/// <summary>Mapping between the model records and DynamoDB items (no reflection, no DataModel).</summary>
internal static class Items
{
    /// <summary>Fixed-width UTC timestamps: they sort as strings (the owner index relies on it).</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    /// <summary>A float as its shortest round-trip text (0.1f is stored as 0.1, not 0.10000000149011612).</summary>
    public static AttributeValue N(float value) => new() { N = value.ToString("R", CultureInfo.InvariantCulture) };

    public static AttributeValue B(bool value) => new() { BOOL = value };

    public static AttributeValue Time(DateTimeOffset value) => S(FormatTime(value));

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static string OwnerSortKey(DateTimeOffset updatedAt, string conversationId) => $"{FormatTime(updatedAt)}#{conversationId}";

    public static Dictionary<string, AttributeValue> ConversationKey(string conversationId) => new()
    {
        [TableNames.PartitionKey] = S(TableNames.ConversationKey(conversationId)),
        [TableNames.SortKey] = S(TableNames.ConversationSortKey),
    };

    public static Dictionary<string, AttributeValue> MessageKey(string conversationId, string messageId) => new()
    {
        [TableNames.PartitionKey] = S(TableNames.ConversationKey(conversationId)),
        [TableNames.SortKey] = S(TableNames.MessageKey(messageId)),
    };

    public static Dictionary<string, AttributeValue> RequestKey(string ownerId, string clientRequestId) => new()
    {
        [TableNames.PartitionKey] = S(TableNames.RequestKey(ownerId, clientRequestId)),
        [TableNames.SortKey] = S(TableNames.RequestSortKey),
    };

    // ---- messages ----

    public static Dictionary<string, AttributeValue> ToItem(ChatMessage message, long? expiresAtSeconds)
    {
        var item = MessageKey(message.ConversationId, message.MessageId);
        item[TableNames.Entity] = S(TableNames.MessageEntity);
        item[TableNames.ConversationId] = S(message.ConversationId);
        item[TableNames.MessageId] = S(message.MessageId);
        item[TableNames.Role] = S(message.Role);
        item[TableNames.Text] = S(message.Text);
        item[TableNames.Status] = S(message.Status);
        item[TableNames.Turn] = N(message.Turn);
        item[TableNames.Seq] = N(message.Seq);
        item[TableNames.CreatedAt] = Time(message.CreatedAt);
        item[TableNames.UpdatedAt] = Time(message.UpdatedAt);
        item[TableNames.CancelRequested] = B(message.CancelRequested);
        if (message.UserMessageId is not null)
        {
            item[TableNames.UserMessageId] = S(message.UserMessageId);
        }

        if (message.Settings is { } settings && ToMap(settings) is { Count: > 0 } map)
        {
            item[TableNames.Settings] = new AttributeValue { M = map };
        }

        if (message.StopReason is not null)
        {
            item[TableNames.StopReason] = S(message.StopReason);
        }

        if (message.Usage is not null)
        {
            item[TableNames.Usage] = ToAttribute(message.Usage);
        }

        if (message.Error is not null)
        {
            item[TableNames.Error] = ToAttribute(message.Error);
        }

        if (message.Checksum is not null)
        {
            item[TableNames.Checksum] = S(message.Checksum);
        }

        if (message.Lease is not null)
        {
            item[TableNames.LeaseOwner] = S(message.Lease.Owner);
            item[TableNames.LeaseExpiresAtMs] = N(message.Lease.ExpiresAt.ToUnixTimeMilliseconds());
        }

        if (expiresAtSeconds is { } ttl)
        {
            item[TableNames.ExpiresAt] = N(ttl);
        }

        return item;
    }

    public static ChatMessage ToMessage(Dictionary<string, AttributeValue> item) => new()
    {
        ConversationId = GetString(item, TableNames.ConversationId) ?? StripPrefix(GetString(item, TableNames.PartitionKey), TableNames.ConversationPrefix),
        MessageId = GetString(item, TableNames.MessageId) ?? StripPrefix(GetString(item, TableNames.SortKey), TableNames.MessagePrefix),
        Role = GetString(item, TableNames.Role) ?? Roles.User,
        Text = GetString(item, TableNames.Text) ?? string.Empty,
        Status = GetString(item, TableNames.Status) ?? string.Empty,
        Turn = (int)(GetLong(item, TableNames.Turn) ?? 1),
        Seq = GetLong(item, TableNames.Seq) ?? -1,
        CreatedAt = GetTime(item, TableNames.CreatedAt) ?? DateTimeOffset.UnixEpoch,
        UpdatedAt = GetTime(item, TableNames.UpdatedAt) ?? DateTimeOffset.UnixEpoch,
        UserMessageId = GetString(item, TableNames.UserMessageId),
        Settings = item.TryGetValue(TableNames.Settings, out var settings) && settings.M is { } map ? ToSettings(map) : null,
        StopReason = GetString(item, TableNames.StopReason),
        Usage = item.TryGetValue(TableNames.Usage, out var usage) && usage.M is { } usageMap ? ToUsage(usageMap) : null,
        Error = item.TryGetValue(TableNames.Error, out var error) && error.M is { } errorMap ? ToError(errorMap) : null,
        Checksum = GetString(item, TableNames.Checksum),
        CancelRequested = GetBool(item, TableNames.CancelRequested),
        Lease = GetString(item, TableNames.LeaseOwner) is { } leaseOwner && GetLong(item, TableNames.LeaseExpiresAtMs) is { } leaseMs
            ? new TurnLease(leaseOwner, DateTimeOffset.FromUnixTimeMilliseconds(leaseMs))
            : null,
    };

    public static AttributeValue ToAttribute(TokenUsage usage) => new()
    {
        M = new Dictionary<string, AttributeValue>
        {
            [TableNames.InputTokens] = N(usage.InputTokens),
            [TableNames.OutputTokens] = N(usage.OutputTokens),
            [TableNames.TotalTokens] = N(usage.TotalTokens),
        },
    };

    public static AttributeValue ToAttribute(MessageError error) => new()
    {
        M = new Dictionary<string, AttributeValue>
        {
            [TableNames.ErrorCode] = S(error.Code),
            [TableNames.ErrorMessage] = S(error.Message),
            [TableNames.ErrorRetryable] = B(error.Retryable),
        },
    };

    private static Dictionary<string, AttributeValue> ToMap(ModelSettings settings)
    {
        var map = new Dictionary<string, AttributeValue>();
        if (settings.ModelId is not null)
        {
            map[TableNames.ModelId] = S(settings.ModelId);
        }

        if (settings.MaxTokens is { } maxTokens)
        {
            map[TableNames.MaxTokens] = N(maxTokens);
        }

        if (settings.Temperature is { } temperature)
        {
            map[TableNames.Temperature] = N(temperature);
        }

        if (settings.TopP is { } topP)
        {
            map[TableNames.TopP] = N(topP);
        }

        if (settings.SystemPrompt is not null)
        {
            map[TableNames.SystemPrompt] = S(settings.SystemPrompt);
        }

        return map;
    }

    private static ModelSettings ToSettings(Dictionary<string, AttributeValue> map) => new()
    {
        ModelId = GetString(map, TableNames.ModelId),
        MaxTokens = GetLong(map, TableNames.MaxTokens) is { } maxTokens ? (int)maxTokens : null,
        Temperature = GetDouble(map, TableNames.Temperature) is { } temperature ? (float)temperature : null,
        TopP = GetDouble(map, TableNames.TopP) is { } topP ? (float)topP : null,
        SystemPrompt = GetString(map, TableNames.SystemPrompt),
    };

    private static TokenUsage ToUsage(Dictionary<string, AttributeValue> map) => new(
        (int)(GetLong(map, TableNames.InputTokens) ?? 0),
        (int)(GetLong(map, TableNames.OutputTokens) ?? 0),
        (int)(GetLong(map, TableNames.TotalTokens) ?? 0));

    private static MessageError ToError(Dictionary<string, AttributeValue> map) => new(
        GetString(map, TableNames.ErrorCode) ?? "Unknown",
        GetString(map, TableNames.ErrorMessage) ?? string.Empty,
        GetBool(map, TableNames.ErrorRetryable));

    // ---- conversations ----

    public static Conversation ToConversation(Dictionary<string, AttributeValue> item) => new(
        GetString(item, TableNames.ConversationId) ?? StripPrefix(GetString(item, TableNames.PartitionKey), TableNames.ConversationPrefix),
        GetString(item, TableNames.OwnerId) ?? string.Empty,
        GetString(item, TableNames.Title),
        GetTime(item, TableNames.CreatedAt) ?? DateTimeOffset.UnixEpoch,
        GetTime(item, TableNames.UpdatedAt) ?? DateTimeOffset.UnixEpoch,
        GetString(item, TableNames.ActiveMessageId))
    {
        LastMessageId = GetString(item, TableNames.LastMessageId),
        LastMessagePreview = GetString(item, TableNames.LastMessagePreview),
        Settings = item.TryGetValue(TableNames.Settings, out var settings) && settings.M is { Count: > 0 } map ? ToSettings(map) : null,
    };

    /// <summary>The settings map attribute, or null when <paramref name="settings"/> sets nothing.</summary>
    public static AttributeValue? ToAttribute(ModelSettings? settings) =>
        settings is not null && ToMap(settings) is { Count: > 0 } map ? new AttributeValue { M = map } : null;

    // ---- turn requests ----

    public static Dictionary<string, AttributeValue> ToItem(TurnRequestRecord record, long expiresAtSeconds)
    {
        var item = RequestItem(record.OwnerId, record.ClientRequestId, record.Operation, record.Fingerprint, record.State, record.ConversationId, record.CreatesConversation, record.CreatedAt, expiresAtSeconds);
        item[TableNames.UserMessageId] = S(record.UserMessageId);
        item[TableNames.AssistantMessageId] = S(record.AssistantMessageId);
        item[TableNames.Turn] = N(record.Turn);
        return item;
    }

    public static Dictionary<string, AttributeValue> ToItem(ConversationRequestRecord record, long expiresAtSeconds) =>
        RequestItem(record.OwnerId, record.ClientRequestId, record.Operation, record.Fingerprint, record.State, record.ConversationId, createsConversation: true, record.CreatedAt, expiresAtSeconds);

    /// <summary>The attributes every idempotency record has, whatever its operation.</summary>
    private static Dictionary<string, AttributeValue> RequestItem(
        string ownerId, string clientRequestId, string operation, string fingerprint, string state, string conversationId, bool createsConversation, DateTimeOffset createdAt, long expiresAtSeconds)
    {
        var item = RequestKey(ownerId, clientRequestId);
        item[TableNames.Entity] = S(TableNames.RequestEntity);
        item[TableNames.OwnerId] = S(ownerId);
        item[TableNames.ClientRequestId] = S(clientRequestId);
        item[TableNames.Operation] = S(operation);
        item[TableNames.Fingerprint] = S(fingerprint);
        item[TableNames.State] = S(state);
        item[TableNames.ConversationId] = S(conversationId);
        item[TableNames.CreatesConversation] = B(createsConversation);
        item[TableNames.CreatedAt] = Time(createdAt);
        item[TableNames.ExpiresAt] = N(expiresAtSeconds);
        return item;
    }

    /// <summary>Reads any idempotency record as a createConversation record (its operation tells whether it is one).</summary>
    public static ConversationRequestRecord ToConversationRequest(Dictionary<string, AttributeValue> item) => new()
    {
        OwnerId = GetString(item, TableNames.OwnerId) ?? string.Empty,
        ClientRequestId = GetString(item, TableNames.ClientRequestId) ?? string.Empty,
        Operation = GetString(item, TableNames.Operation) ?? string.Empty,
        Fingerprint = GetString(item, TableNames.Fingerprint) ?? string.Empty,
        State = GetString(item, TableNames.State) ?? TurnRequestStates.Pending,
        ConversationId = GetString(item, TableNames.ConversationId) ?? string.Empty,
        CreatedAt = GetTime(item, TableNames.CreatedAt) ?? DateTimeOffset.UnixEpoch,
    };

    public static TurnRequestRecord ToRequest(Dictionary<string, AttributeValue> item) => new()
    {
        OwnerId = GetString(item, TableNames.OwnerId) ?? string.Empty,
        ClientRequestId = GetString(item, TableNames.ClientRequestId) ?? string.Empty,
        Operation = GetString(item, TableNames.Operation) ?? string.Empty,
        Fingerprint = GetString(item, TableNames.Fingerprint) ?? string.Empty,
        State = GetString(item, TableNames.State) ?? TurnRequestStates.Pending,
        ConversationId = GetString(item, TableNames.ConversationId) ?? string.Empty,
        CreatesConversation = GetBool(item, TableNames.CreatesConversation),
        UserMessageId = GetString(item, TableNames.UserMessageId) ?? string.Empty,
        AssistantMessageId = GetString(item, TableNames.AssistantMessageId) ?? string.Empty,
        Turn = (int)(GetLong(item, TableNames.Turn) ?? 1),
        CreatedAt = GetTime(item, TableNames.CreatedAt) ?? DateTimeOffset.UnixEpoch,
        EnqueueStartedAt = GetLong(item, TableNames.EnqueueStartedAtMs) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
        QueueMessageId = GetString(item, TableNames.QueueMessageId),
    };

    // ---- readers ----

    public static string? GetString(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    public static long? GetLong(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n && long.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;

    private static double? GetDouble(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n && double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;

    public static bool GetBool(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.BOOL == true;

    public static DateTimeOffset? GetTime(Dictionary<string, AttributeValue> item, string name) =>
        GetString(item, name) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : null;

    private static string StripPrefix(string? value, string prefix) =>
        value is not null && value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value ?? string.Empty;
}
