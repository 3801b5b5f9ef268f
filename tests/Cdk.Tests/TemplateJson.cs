using System.Text.Json;

namespace AppSyncChat.Cdk.Tests;

/// <summary>Small readers over the synthesized template JSON.</summary>
public static class TemplateJson
{
    public static IReadOnlyList<(string LogicalId, JsonElement Resource)> Resources(this StackFixture fixture, string type) =>
        fixture.Json.RootElement.GetProperty("Resources").EnumerateObject()
            .Where(resource => resource.Value.GetProperty("Type").GetString() == type)
            .Select(resource => (resource.Name, resource.Value))
            .ToList();

    public static JsonElement Single(this StackFixture fixture, string type)
    {
        var resources = fixture.Resources(type);
        Assert.True(resources.Count == 1, $"Expected exactly one {type}, found {resources.Count}.");
        return resources[0].Resource.GetProperty("Properties");
    }

    /// <summary>The GraphQL API's Lambda data source (the Event API has its own DynamoDB one).</summary>
    public static JsonElement LambdaDataSource(this StackFixture fixture)
    {
        var (_, dataSource) = Assert.Single(
            fixture.Resources("AWS::AppSync::DataSource"),
            d => d.Resource.GetProperty("Properties").GetProperty("Type").GetString() == "AWS_LAMBDA");
        return dataSource.GetProperty("Properties");
    }

    public static JsonElement Properties(this StackFixture fixture, string logicalId) =>
        fixture.Json.RootElement.GetProperty("Resources").GetProperty(logicalId).GetProperty("Properties");

    /// <summary>The logical id of the stack construct's CloudFormation resource (e.g. the function behind <c>stack.WorkerFunction</c>).</summary>
    public static string LogicalId(this StackFixture fixture, Constructs.IConstruct construct) => fixture.Stack.GetLogicalId(
        construct as Amazon.CDK.CfnElement ?? construct.Node.DefaultChild as Amazon.CDK.CfnElement
        ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource.", nameof(construct)));

    /// <summary>A <c>{"Ref": id}</c> or <c>{"Fn::GetAtt": [id, …]}</c> value's logical id; null for anything else.</summary>
    public static string? ReferencedId(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (value.TryGetProperty("Ref", out var reference))
        {
            return reference.GetString();
        }

        return value.TryGetProperty("Fn::GetAtt", out var getAtt) ? getAtt[0].GetString() : null;
    }

    public static IReadOnlyList<string> Strings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().SelectMany(Strings).ToList(),
        _ => [],
    };

    /// <summary>Every statement of every IAM policy attached to the role <paramref name="roleLogicalId"/>.</summary>
    public static IReadOnlyList<JsonElement> StatementsOfRole(this StackFixture fixture, string roleLogicalId) =>
        fixture.Resources("AWS::IAM::Policy")
            .Where(policy => policy.Resource.GetProperty("Properties").GetProperty("Roles").EnumerateArray()
                .Any(role => ReferencedId(role) == roleLogicalId))
            .SelectMany(policy => policy.Resource.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .ToList();

    public static IReadOnlyList<string> Actions(JsonElement statement) => Strings(statement.GetProperty("Action"));

    /// <summary>A resource value rendered as text (Fn::Join flattened, refs as <c>{id}</c>), for containment checks.</summary>
    public static string Render(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Join("|", value.EnumerateArray().Select(Render)),
        JsonValueKind.Object when value.TryGetProperty("Fn::Join", out var join) =>
            string.Join(join[0].GetString(), join[1].EnumerateArray().Select(Render)),
        JsonValueKind.Object when value.TryGetProperty("Ref", out var reference) => $"{{{reference.GetString()}}}",
        JsonValueKind.Object when value.TryGetProperty("Fn::GetAtt", out var getAtt) =>
            $"{{{getAtt[0].GetString()}.{getAtt[1].GetString()}}}",
        _ => value.ToString(),
    };
}
