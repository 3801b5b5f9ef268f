using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;

namespace AppSyncChat.Contracts.Tests;

/// <summary>
/// A stream event type exists in four places that must agree: a name in <see cref="StreamEventTypes"/>, a
/// concrete <see cref="StreamEvent"/> record, its <see cref="JsonDerivedTypeAttribute"/> on
/// <see cref="StreamEvent"/>, and a golden file in <c>Resources/golden/</c> that
/// <see cref="StreamEventGoldenTests"/> compares with the serializer. These tests fail when a type is added
/// to one place and not the others. (The .NET catch-up's handling of every type is checked in
/// <c>tests/Client.Tests/CatchUp/StreamEventHandlingTests.cs</c>; the TypeScript client's in
/// <c>web/client/test/golden.test.ts</c>.) How to add a type: <c>docs/architecture.md</c>.
/// </summary>
public sealed class StreamEventCoverageTests
{
    private const string QueueMessageGoldenFile = "chat-turn-request";

    private static string GoldenDirectory =>
        Path.Combine(TestRepository.Root, "tests", "Contracts.Tests", "Resources", "golden");

    /// <summary>Every <c>const string</c> of <see cref="StreamEventTypes"/>: the <c>type</c> values on the wire.</summary>
    internal static string[] TypeNames() =>
        typeof(StreamEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static Dictionary<string, Type> RegisteredTypes() =>
        typeof(StreamEvent).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .ToDictionary(a => (string)a.TypeDiscriminator!, a => a.DerivedType, StringComparer.Ordinal);

    private static Type[] ConcreteEventRecords() =>
        typeof(StreamEvent).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(StreamEvent)) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToArray();

    public static TheoryData<string> Names => new(TypeNames());

    [Fact]
    public void EveryTypeName_IsRegisteredForSerialization_AndNothingElseIs()
    {
        Assert.Equal(TypeNames(), RegisteredTypes().Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void EveryConcreteEventRecord_IsRegisteredUnderATypeName()
    {
        Assert.Equal(
            ConcreteEventRecords().Select(t => t.FullName),
            RegisteredTypes().Values.OrderBy(t => t.FullName, StringComparer.Ordinal).Select(t => t.FullName));
    }

    [Fact]
    public void EveryGoldenFile_IsATypeName_OrTheQueueMessage()
    {
        var files = Directory.GetFiles(GoldenDirectory, "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => name != QueueMessageGoldenFile)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(TypeNames(), files);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryTypeName_HasAGoldenFile_ThatReadsAsItsRecord(string type)
    {
        var path = Path.Combine(GoldenDirectory, type + ".json");
        Assert.True(File.Exists(path), $"No golden file for '{type}': add tests/Contracts.Tests/Resources/golden/{type}.json.");

        var read = JsonSerializer.Deserialize(File.ReadAllText(path), ContractsJsonContext.Default.StreamEvent);

        Assert.Equal(RegisteredTypes().GetValueOrDefault(type), read!.GetType());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryTypeName_IsComparedWithTheSerializer(string type)
    {
        var covered = StreamEventGoldenTests.Events.Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        Assert.True(covered.Contains(type), $"'{type}' has no row in StreamEventGoldenTests.Events, so its golden file is not checked against what the Worker serializes.");
    }
}
