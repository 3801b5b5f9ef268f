using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Local.Bedrock;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>The token schedule follows the injected TimeProvider exactly: time to first token, then 1/rate per token, a stall shifts the rest.</summary>
public sealed class BedrockEmulatorPacingTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private BedrockEmulatorServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await BedrockEmulatorServer.StartAsync(
            new BedrockEmulatorOptions { Port = 0, TimeToFirstToken = TimeSpan.FromSeconds(1), TokensPerSecond = 10, AnswerTokens = 5, TimeProvider = _clock },
            CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ConverseStream_ManualClock_EmitsFirstTokenAtTtftThenOnePerInterval()
    {
        var start = _clock.GetUtcNow();
        using var client = BedrockRuntimeClient.Create(BedrockEmulatorFixture.LocalCredentials, "us-east-1", _server.BaseAddress);
        using var stream = await client.StartConverseStreamAsync(BedrockEmulatorFixture.ModelId, Request("Describe tides"));
        var reading = ReadAllAsync(stream);

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty((await InfoAsync(stream.RequestId!)).Tokens);

        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(i == 0 ? 1 : 100));
            await WaitForTokensAsync(stream.RequestId!, i + 1);
        }

        var events = await reading.WaitAsync(TimeSpan.FromSeconds(10));
        var info = await InfoAsync(stream.RequestId!);
        Assert.Equal(
            [1000, 1100, 1200, 1300, 1400],
            info.Tokens.Select(t => (t.EmittedAt - start).TotalMilliseconds));
        Assert.Equal(5, events.Count(e => e is ContentBlockDeltaEvent));
        Assert.Equal(1400, Assert.Single(events.OfType<MetadataEvent>()).Metrics!.LatencyMs);
    }

    [Fact]
    public async Task ConverseStream_StallDirective_DelaysTokensFromIndexOn()
    {
        var start = _clock.GetUtcNow();
        using var client = BedrockRuntimeClient.Create(BedrockEmulatorFixture.LocalCredentials, "us-east-1", _server.BaseAddress);
        using var stream = await client.StartConverseStreamAsync(BedrockEmulatorFixture.ModelId, Request("Describe tides [[ttft=0]] [[stall=5000]] [[at=2]] [[tokens=4]]"));
        var reading = ReadAllAsync(stream);

        await WaitForTokensAsync(stream.RequestId!, 1);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await WaitForTokensAsync(stream.RequestId!, 2);
        _clock.Advance(TimeSpan.FromMilliseconds(5099));
        Assert.Equal(2, (await InfoAsync(stream.RequestId!)).Tokens.Count);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForTokensAsync(stream.RequestId!, 3);
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([0, 100, 5200, 5300], (await InfoAsync(stream.RequestId!)).Tokens.Select(t => (t.EmittedAt - start).TotalMilliseconds));
    }

    private async Task WaitForTokensAsync(string requestId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await InfoAsync(requestId)).Tokens.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"token {count} was not emitted");
            await Task.Delay(2); // waiting for the server to act on the advanced clock (I/O), not timing logic
        }
    }

    private async Task<EmulatorRequestInfo> InfoAsync(string requestId)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(_server.BaseAddress, BedrockEmulatorServer.RequestInfoPath.TrimStart('/') + requestId));
        return JsonSerializer.Deserialize<EmulatorRequestInfo>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static async Task<List<ConverseStreamEvent>> ReadAllAsync(ConverseStreamResponse stream)
    {
        var events = new List<ConverseStreamEvent>();
        await foreach (var item in stream.ReadEventsAsync())
        {
            events.Add(item);
        }

        return events;
    }

    private static ConverseRequest Request(string text) => new() { Messages = [new BedrockMessage("user", [new ContentBlock { Text = text }])] };
}
