using System.Text.Json;
using AppSyncChat.Conversations.Table;

namespace AppSyncChat.Cdk.Tests;

/// <summary>Least privilege: exact actions on exact resources for every role the stack creates.</summary>
[Collection(StackCollection.Name)]
public sealed class IamTests(StackFixture fixture)
{
    /// <summary>Services whose actions touch application data; none of them may get a wildcard action or resource.</summary>
    private static readonly string[] DataServices = ["dynamodb:", "sqs:", "bedrock:", "appsync:", "lambda:"];

    [Fact]
    public void EveryPolicy_HasNoWildcardActions()
    {
        var statements = AllStatements();
        Assert.NotEmpty(statements);
        Assert.All(statements, statement =>
            Assert.All(TemplateJson.Actions(statement), action => Assert.DoesNotContain("*", action, StringComparison.Ordinal)));
    }

    [Fact]
    public void DataActions_NeverTargetEveryResource()
    {
        foreach (var statement in AllStatements())
        {
            if (TemplateJson.Actions(statement).Any(action => DataServices.Any(service => action.StartsWith(service, StringComparison.Ordinal))))
            {
                var resources = statement.GetProperty("Resource");
                Assert.False(
                    resources.ValueKind == JsonValueKind.String && resources.GetString() == "*",
                    $"{string.Join(",", TemplateJson.Actions(statement))} on '*'");
            }
        }
    }

    [Fact]
    public void ApiRole_OnlyTableItemActionsIndexQueryAndSendMessage()
    {
        var statements = FunctionStatements(fixture.Stack.ApiFunction);
        var table = fixture.LogicalId(fixture.Stack.Table);
        var queue = fixture.LogicalId(fixture.Stack.Queue);

        Assert.Equal(
            ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            ActionsOn(statements, $"{{{table}.Arn}}"));
        Assert.Equal(["dynamodb:Query"], ActionsOn(statements, $"{{{table}.Arn}}/index/{TableNames.ByOwnerIndex}"));
        Assert.Equal(["sqs:SendMessage"], ActionsOn(statements, $"{{{queue}.Arn}}"));
        Assert.DoesNotContain(statements, s => TemplateJson.Actions(s).Any(a => a.StartsWith("bedrock:", StringComparison.Ordinal) || a.StartsWith("appsync:", StringComparison.Ordinal)));
        Assert.Equal(
            ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "sqs:SendMessage", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            statements.SelectMany(TemplateJson.Actions).Distinct().Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void WorkerRole_ConsumesQueue_WritesTable_PublishesToNamespace_InvokesConfiguredModels()
    {
        var statements = FunctionStatements(fixture.Stack.WorkerFunction);
        Assert.DoesNotContain(statements, s => TemplateJson.Render(s.GetProperty("Resource")).Contains("/index/", StringComparison.Ordinal));
        var table = fixture.LogicalId(fixture.Stack.Table);
        var queue = fixture.LogicalId(fixture.Stack.Queue);
        var dlq = fixture.LogicalId(fixture.Stack.DeadLetterQueue);
        var chatNamespace = fixture.LogicalId(fixture.Stack.ChatNamespace.Resource);

        Assert.Equal(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"], ActionsOn(statements, $"{{{table}.Arn}}"));
        Assert.Equal(
            ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
            ActionsOn(statements, $"{{{queue}.Arn}}"));
        Assert.Empty(ActionsOn(statements, $"{{{dlq}.Arn}}"));
        Assert.DoesNotContain(statements, s => TemplateJson.Actions(s).Contains("sqs:SendMessage"));
        Assert.DoesNotContain(statements, s => TemplateJson.Actions(s).Contains("dynamodb:DeleteItem"));

        // appsync:EventPublish on the chat namespace only: not EventConnect, not EventSubscribe, not the whole API.
        var publish = Assert.Single(statements, s => TemplateJson.Actions(s).Any(a => a.StartsWith("appsync:", StringComparison.Ordinal)));
        Assert.Equal(["appsync:EventPublish"], TemplateJson.Actions(publish));
        Assert.Equal($"{{{chatNamespace}.ChannelNamespaceArn}}", TemplateJson.Render(publish.GetProperty("Resource")));

        var bedrock = Assert.Single(statements, s => TemplateJson.Actions(s).Any(a => a.StartsWith("bedrock:", StringComparison.Ordinal)));
        Assert.Equal(["bedrock:InvokeModelWithResponseStream"], TemplateJson.Actions(bedrock));
        Assert.Equal(
            [
                "arn:{AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
                "arn:{AWS::Partition}:bedrock:eu-west-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "arn:{AWS::Partition}:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            ],
            bedrock.GetProperty("Resource").EnumerateArray().Select(TemplateJson.Render).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void EventsDataSourceRole_OnlyGetItemOnTable_AssumableByAppSyncOfThisAccount()
    {
        var role = fixture.LogicalId(fixture.Stack.Events.Node.FindChild("ConversationOwnership").Node.FindChild("ServiceRole"));
        var statement = Assert.Single(fixture.StatementsOfRole(role));

        Assert.Equal(["dynamodb:GetItem"], TemplateJson.Actions(statement));
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.Table)}.Arn}}", TemplateJson.Render(statement.GetProperty("Resource")));

        var trust = Assert.Single(fixture.Properties(role).GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("appsync.amazonaws.com", trust.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal("123456789012", trust.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());
    }

    [Fact]
    public void GraphqlResolverRole_OnlyInvokesApiFunction()
    {
        var dataSource = fixture.LambdaDataSource();
        var role = TemplateJson.ReferencedId(dataSource.GetProperty("ServiceRoleArn"))!;
        var statement = Assert.Single(fixture.StatementsOfRole(role));

        Assert.Equal(["lambda:InvokeFunction"], TemplateJson.Actions(statement));
        var api = fixture.LogicalId(fixture.Stack.ApiFunction);
        Assert.All(statement.GetProperty("Resource").EnumerateArray().Select(TemplateJson.Render), resource => Assert.StartsWith($"{{{api}.Arn}}", resource, StringComparison.Ordinal));
    }

    private List<JsonElement> AllStatements() => fixture.Resources("AWS::IAM::Policy")
        .SelectMany(p => p.Resource.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
        .ToList();

    private IReadOnlyList<JsonElement> FunctionStatements(Amazon.CDK.AWS.Lambda.Function function) =>
        fixture.StatementsOfRole(fixture.LogicalId(function.Role!));

    private static string[] ActionsOn(IEnumerable<JsonElement> statements, string resource) => statements
        .Where(s => TemplateJson.Render(s.GetProperty("Resource")) == resource)
        .SelectMany(TemplateJson.Actions)
        .Distinct()
        .Order(StringComparer.Ordinal)
        .ToArray();
}
