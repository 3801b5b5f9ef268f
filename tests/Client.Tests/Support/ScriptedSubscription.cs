using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.Support;

/// <summary>A subscription whose messages the test pushes, in exactly the order it wants.</summary>
public sealed class ScriptedSubscription : IChannelSubscription, IChannelSubscriber
{
    private readonly Channel<ChannelMessage> _messages = Channel.CreateUnbounded<ChannelMessage>();
    private Exception? _failure;

    public string? SubscribedChannel { get; private set; }

    public bool Disposed { get; private set; }

    public int Delivered { get; private set; }

    public static string ToJson(StreamEvent e) => JsonSerializer.Serialize(e, ContractsJsonContext.Default.StreamEvent);

    public void Publish(params StreamEvent[] events)
    {
        foreach (var e in events)
        {
            PublishRaw(ToJson(e));
        }
    }

    public void PublishRaw(string json)
    {
        Delivered++;
        _messages.Writer.TryWrite(new ChannelEvent(json));
    }

    public void Reconnect()
    {
        Delivered++;
        _messages.Writer.TryWrite(new ChannelReconnected());
    }

    /// <summary>The transport reports that events may not have been delivered (a broadcast_error).</summary>
    public void ReportLoss()
    {
        Delivered++;
        _messages.Writer.TryWrite(new ChannelEventsLost());
    }

    public void Close() => _messages.Writer.TryComplete();

    public void Fail(Exception error)
    {
        _failure = error;
        _messages.Writer.TryComplete();
    }

    /// <summary>Runs when a subscription is made (acknowledged), with its channel.</summary>
    public Action<string>? OnSubscribe { get; set; }

    public Task<IChannelSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        SubscribedChannel = channel;
        OnSubscribe?.Invoke(channel);
        return Task.FromResult<IChannelSubscription>(this);
    }

    public async IAsyncEnumerable<ChannelMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in _messages.Reader.ReadAllAsync(cancellationToken))
        {
            yield return message;
        }

        if (_failure is not null)
        {
            throw _failure;
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
