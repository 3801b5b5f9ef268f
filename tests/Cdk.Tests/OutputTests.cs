namespace AppSyncChat.Cdk.Tests;

/// <summary>The outputs a client reads after deploy (docs/deploy.md lists them).</summary>
[Collection(StackCollection.Name)]
public sealed class OutputTests(StackFixture fixture)
{
    [Fact]
    public void Outputs_CoverEveryEndpointKeyAndId()
    {
        var outputs = fixture.Json.RootElement.GetProperty("Outputs");
        string Value(string name) => TemplateJson.Render(outputs.GetProperty(name).GetProperty("Value"));
        var events = fixture.LogicalId(fixture.Stack.Events.Resource);
        var graphql = fixture.LogicalId(fixture.Stack.GraphqlApi);

        Assert.Equal("eu-west-1", Value(OutputNames.Region));
        Assert.Equal($"{{{graphql}.GraphQLUrl}}", Value(OutputNames.GraphqlUrl));
        Assert.Contains(".ApiKey}", Value(OutputNames.GraphqlApiKey), StringComparison.Ordinal);
        Assert.Equal($"https://{{{events}.Dns.Http}}/event", Value(OutputNames.EventsHttpEndpoint));
        Assert.Equal($"wss://{{{events}.Dns.Realtime}}/event/realtime", Value(OutputNames.EventsRealtimeEndpoint));
        Assert.Contains(".ApiKey}", Value(OutputNames.EventsApiKey), StringComparison.Ordinal);
        Assert.NotEqual(Value(OutputNames.GraphqlApiKey), Value(OutputNames.EventsApiKey));
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.UserPool)}}}", Value(OutputNames.UserPoolId));
        Assert.Contains("{", Value(OutputNames.UserPoolClientId), StringComparison.Ordinal);
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.Table)}}}", Value(OutputNames.TableName));
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.Queue)}}}", Value(OutputNames.QueueUrl));
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.DeadLetterQueue)}}}", Value(OutputNames.DeadLetterQueueUrl));
        Assert.Equal("anthropic.claude-3-haiku-20240307-v1:0", Value(OutputNames.DefaultModelId));
        Assert.Equal($"{{{fixture.LogicalId(fixture.Stack.AlarmTopic)}}}", Value(OutputNames.AlarmTopicArn));
    }
}
