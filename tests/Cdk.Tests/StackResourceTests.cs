using System.Text.Json;
using AppSyncChat.Conversations.Table;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Cdk.Tests;

/// <summary>The resources of the synthesized stack and their settings.</summary>
[Collection(StackCollection.Name)]
public sealed class StackResourceTests(StackFixture fixture)
{
    [Fact]
    public void Table_OnDemandWithTtlAndPointInTimeRecovery_MatchesStoreTableDefinition()
    {
        var table = fixture.Single("AWS::DynamoDB::Table");
        var expected = TableDefinition.CreateTableRequest("any");

        Assert.Equal("PAY_PER_REQUEST", table.GetProperty("BillingMode").GetString());
        Assert.True(table.GetProperty("PointInTimeRecoverySpecification").GetProperty("PointInTimeRecoveryEnabled").GetBoolean());
        var ttl = table.GetProperty("TimeToLiveSpecification");
        Assert.True(ttl.GetProperty("Enabled").GetBoolean());
        Assert.Equal(TableNames.ExpiresAt, ttl.GetProperty("AttributeName").GetString());

        Assert.Equal(
            expected.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)).ToArray(),
            KeySchema(table.GetProperty("KeySchema")));
        Assert.Equal(
            expected.AttributeDefinitions.Select(a => (a.AttributeName, a.AttributeType.Value)).Order().ToArray(),
            table.GetProperty("AttributeDefinitions").EnumerateArray().Select(a => (a.GetProperty("AttributeName").GetString()!, a.GetProperty("AttributeType").GetString()!)).Order().ToArray());

        var expectedIndex = Assert.Single(expected.GlobalSecondaryIndexes);
        var index = Assert.Single(table.GetProperty("GlobalSecondaryIndexes").EnumerateArray());
        Assert.Equal(TableNames.ByOwnerIndex, index.GetProperty("IndexName").GetString());
        Assert.Equal(expectedIndex.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)).ToArray(), KeySchema(index.GetProperty("KeySchema")));
        var projection = index.GetProperty("Projection");
        Assert.Equal(expectedIndex.Projection.ProjectionType.Value, projection.GetProperty("ProjectionType").GetString());
        Assert.Equal(
            expectedIndex.Projection.NonKeyAttributes.Order(StringComparer.Ordinal).ToArray(),
            TemplateJson.Strings(projection.GetProperty("NonKeyAttributes")).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Table_RetainedByDefault()
    {
        var (_, table) = Assert.Single(fixture.Resources("AWS::DynamoDB::Table"));
        Assert.Equal("Retain", table.GetProperty("DeletionPolicy").GetString());
    }

    [Fact]
    public void TurnQueue_RedrivesToDeadLetterQueueAfterThreeReceives()
    {
        var queue = fixture.Properties(fixture.LogicalId(fixture.Stack.Queue));
        var redrive = queue.GetProperty("RedrivePolicy");

        Assert.Equal(3, redrive.GetProperty("maxReceiveCount").GetInt32());
        Assert.Equal(
            fixture.LogicalId(fixture.Stack.DeadLetterQueue),
            TemplateJson.ReferencedId(redrive.GetProperty("deadLetterTargetArn")));
        Assert.True(queue.GetProperty("SqsManagedSseEnabled").GetBoolean());
    }

    [Fact]
    public void TurnQueue_VisibilityTimeout_JustOutlastsTheWorker_SoACrashedTurnIsTakenOverWithinMinutes()
    {
        var queue = fixture.Properties(fixture.LogicalId(fixture.Stack.Queue));
        var worker = fixture.Properties(fixture.LogicalId(fixture.Stack.WorkerFunction));

        var visibility = queue.GetProperty("VisibilityTimeout").GetInt32();
        var timeout = worker.GetProperty("Timeout").GetInt32();
        Assert.Equal(300, timeout);
        // The record must not reappear while its invocation (and so its lease) may still run, and should
        // reappear soon after: a crashed turn is taken over within the visibility timeout of its receive.
        Assert.True(visibility > timeout, $"visibility {visibility}s <= worker timeout {timeout}s");
        Assert.Equal(timeout + 30, visibility);
    }

    [Fact]
    public void DeadLetterQueue_KeepsMessagesLongerThanTheQueue()
    {
        var queue = fixture.Properties(fixture.LogicalId(fixture.Stack.Queue));
        var dlq = fixture.Properties(fixture.LogicalId(fixture.Stack.DeadLetterQueue));

        Assert.True(dlq.GetProperty("MessageRetentionPeriod").GetInt32() > queue.GetProperty("MessageRetentionPeriod").GetInt32());
    }

    [Fact]
    public void WorkerEventSource_ReportsBatchItemFailures_WithBoundedBatchAndConcurrency()
    {
        var mapping = fixture.Single("AWS::Lambda::EventSourceMapping");

        Assert.Equal(["ReportBatchItemFailures"], TemplateJson.Strings(mapping.GetProperty("FunctionResponseTypes")));
        Assert.Equal(4, mapping.GetProperty("BatchSize").GetInt32());
        Assert.Equal(25, mapping.GetProperty("ScalingConfig").GetProperty("MaximumConcurrency").GetInt32());
        Assert.Equal(fixture.LogicalId(fixture.Stack.Queue), TemplateJson.ReferencedId(mapping.GetProperty("EventSourceArn")));
        Assert.Equal(fixture.LogicalId(fixture.Stack.WorkerFunction), TemplateJson.ReferencedId(mapping.GetProperty("FunctionName")));

        // No batching window: the first turn of an idle queue must not wait for company.
        Assert.False(mapping.TryGetProperty("MaximumBatchingWindowInSeconds", out var window) && window.GetInt32() > 0);
    }

    [Theory]
    [InlineData("api", 1024, 15)]
    [InlineData("worker", 1024, 300)]
    public void Functions_ProvidedAl2023X86_JsonLogsTracingAndBootstrapHandler(string which, int memory, int timeout)
    {
        var function = FunctionProperties(which);

        Assert.Equal("provided.al2023", function.GetProperty("Runtime").GetString());
        Assert.Equal(["x86_64"], TemplateJson.Strings(function.GetProperty("Architectures")));
        Assert.Equal("bootstrap", function.GetProperty("Handler").GetString());
        Assert.Equal("JSON", function.GetProperty("LoggingConfig").GetProperty("LogFormat").GetString());
        Assert.Equal("Active", function.GetProperty("TracingConfig").GetProperty("Mode").GetString());
        Assert.Equal(memory, function.GetProperty("MemorySize").GetInt32());
        Assert.Equal(timeout, function.GetProperty("Timeout").GetInt32());
    }

    [Fact]
    public void ApiFunction_Environment_TableQueueAndJsonLogs()
    {
        var environment = FunctionProperties("api").GetProperty("Environment").GetProperty("Variables");

        Assert.Equal(fixture.LogicalId(fixture.Stack.Table), TemplateJson.ReferencedId(environment.GetProperty(SettingNames.TableName)));
        Assert.Equal(fixture.LogicalId(fixture.Stack.Queue), TemplateJson.ReferencedId(environment.GetProperty(SettingNames.QueueUrl)));
        Assert.Equal("json", environment.GetProperty(SettingNames.LogFormat).GetString());
        Assert.False(environment.TryGetProperty(SettingNames.RetentionDays, out _));
    }

    [Fact]
    public void WorkerFunction_Environment_PointsAtEventsHttpPublishEndpoint()
    {
        var environment = FunctionProperties("worker").GetProperty("Environment").GetProperty("Variables");
        var eventsApi = fixture.LogicalId(fixture.Stack.Events.Resource);

        Assert.Equal($"https://{{{eventsApi}.Dns.Http}}/event", TemplateJson.Render(environment.GetProperty(SettingNames.EventsHttpEndpoint)));
        Assert.Equal(fixture.LogicalId(fixture.Stack.Table), TemplateJson.ReferencedId(environment.GetProperty(SettingNames.TableName)));
        Assert.Equal("anthropic.claude-3-haiku-20240307-v1:0", environment.GetProperty(SettingNames.DefaultModelId).GetString());
        Assert.Equal("json", environment.GetProperty(SettingNames.LogFormat).GetString());
        // The demo tools stay off unless the deployment asks for them (context demoTools=true).
        Assert.Equal("false", environment.GetProperty(SettingNames.DemoTools).GetString());
    }

    [Fact]
    public void FunctionEnvironments_UseOnlySettingNames()
    {
        var known = typeof(SettingNames).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        foreach (var which in new[] { "api", "worker" })
        {
            Assert.All(
                FunctionProperties(which).GetProperty("Environment").GetProperty("Variables").EnumerateObject(),
                variable => Assert.Contains(variable.Name, known));
        }
    }

    [Fact]
    public void Functions_LogToOwnLogGroupsWithRetention()
    {
        var groups = fixture.Resources("AWS::Logs::LogGroup");
        foreach (var which in new[] { "api", "worker" })
        {
            var logGroup = TemplateJson.ReferencedId(FunctionProperties(which).GetProperty("LoggingConfig").GetProperty("LogGroup"));
            var (_, group) = Assert.Single(groups, g => g.LogicalId == logGroup);
            Assert.Equal(30, group.GetProperty("Properties").GetProperty("RetentionInDays").GetInt32());
        }
    }

    [Fact]
    public void GraphqlApi_SchemaIsContractsSchema_WithCognitoDefaultAndApiKeyAndIam()
    {
        var schema = fixture.Single("AWS::AppSync::GraphQLSchema");
        Assert.Equal(Schema.ReadText().ReplaceLineEndings("\n"), schema.GetProperty("Definition").GetString()!.ReplaceLineEndings("\n"));

        var api = fixture.Single("AWS::AppSync::GraphQLApi");
        Assert.Equal("AMAZON_COGNITO_USER_POOLS", api.GetProperty("AuthenticationType").GetString());
        Assert.Equal(
            ["API_KEY", "AWS_IAM"],
            api.GetProperty("AdditionalAuthenticationProviders").EnumerateArray().Select(p => p.GetProperty("AuthenticationType").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.True(api.GetProperty("XrayEnabled").GetBoolean());
        Assert.Equal(
            fixture.LogicalId(fixture.Stack.UserPool),
            TemplateJson.ReferencedId(api.GetProperty("UserPoolConfig").GetProperty("UserPoolId")));
    }

    [Fact]
    public void GraphqlApi_LogsFieldErrorsToItsOwnGroup()
    {
        var logConfig = fixture.Single("AWS::AppSync::GraphQLApi").GetProperty("LogConfig");

        Assert.Equal("ERROR", logConfig.GetProperty("FieldLogLevel").GetString());
        Assert.True(logConfig.GetProperty("ExcludeVerboseContent").GetBoolean());
        LogTargets.AssertWritesOnlyItsGroup(fixture, logConfig.GetProperty("CloudWatchLogsRoleArn"), fixture.Stack.GraphqlLogGroup, fixture.Stack.GraphqlApi);
    }

    [Fact]
    public void Stack_HasNoHelperFunctions_OnlyApiAndWorker()
    {
        // CDK's log-retention helper runs on a Node.js runtime Lambda no longer accepts for new
        // functions: the stack must not contain it (or any other helper function).
        Assert.Empty(fixture.Resources("Custom::LogRetention"));
        var functions = fixture.Resources("AWS::Lambda::Function");
        Assert.Equal(
            new[] { fixture.LogicalId(fixture.Stack.ApiFunction), fixture.LogicalId(fixture.Stack.WorkerFunction) }.Order(StringComparer.Ordinal),
            functions.Select(f => f.LogicalId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GraphqlApi_EveryRootField_HasDirectLambdaResolverOnApiFunction()
    {
        var dataSource = fixture.LambdaDataSource();
        Assert.Equal("AWS_LAMBDA", dataSource.GetProperty("Type").GetString());
        Assert.Equal(
            fixture.LogicalId(fixture.Stack.ApiFunction),
            TemplateJson.ReferencedId(dataSource.GetProperty("LambdaConfig").GetProperty("LambdaFunctionArn")));
        var dataSourceName = dataSource.GetProperty("Name").GetString();

        var resolvers = fixture.Resources("AWS::AppSync::Resolver").Select(r => r.Resource.GetProperty("Properties")).ToList();
        Assert.Equal(
            new[] { "Mutation.createConversation", "Mutation.regenerate", "Mutation.sendMessage", "Mutation.stopGeneration", "Query.getConversation", "Query.listConversations" },
            resolvers.Select(r => $"{r.GetProperty("TypeName").GetString()}.{r.GetProperty("FieldName").GetString()}").Order().ToArray());
        Assert.All(resolvers, resolver =>
        {
            Assert.Equal(dataSourceName, resolver.GetProperty("DataSourceName").GetString());
            Assert.Equal("UNIT", resolver.GetProperty("Kind").GetString());

            // Direct Lambda resolver: no VTL templates and no JS code.
            Assert.False(resolver.TryGetProperty("RequestMappingTemplate", out _));
            Assert.False(resolver.TryGetProperty("ResponseMappingTemplate", out _));
            Assert.False(resolver.TryGetProperty("Code", out _));
        });
    }

    [Fact]
    public void UserPool_CreatedWithoutSelfSignUp_AndClientWithoutSecret()
    {
        var pool = fixture.Single("AWS::Cognito::UserPool");
        Assert.True(pool.GetProperty("AdminCreateUserConfig").GetProperty("AllowAdminCreateUserOnly").GetBoolean());

        var client = fixture.Single("AWS::Cognito::UserPoolClient");
        Assert.False(client.GetProperty("GenerateSecret").GetBoolean());
        Assert.Contains("ALLOW_USER_SRP_AUTH", TemplateJson.Strings(client.GetProperty("ExplicitAuthFlows")));
    }

    [Fact]
    public void Alarms_DlqDepthWorkerErrorsAndThrottles_NotifyTheTopic()
    {
        var alarms = fixture.Resources("AWS::CloudWatch::Alarm").Select(a => a.Resource.GetProperty("Properties")).ToList();
        var topic = fixture.LogicalId(fixture.Stack.AlarmTopic);
        var dlq = fixture.LogicalId(fixture.Stack.DeadLetterQueue);
        var worker = fixture.LogicalId(fixture.Stack.WorkerFunction);

        JsonElement Find(string metric, string dimensionTarget) => Assert.Single(alarms, alarm =>
            alarm.GetProperty("MetricName").GetString() == metric
            && alarm.GetProperty("Dimensions").EnumerateArray().Any(d => TemplateJson.Render(d.GetProperty("Value")).Contains(dimensionTarget, StringComparison.Ordinal)));

        var depth = Find("ApproximateNumberOfMessagesVisible", dlq);
        Assert.Equal("AWS/SQS", depth.GetProperty("Namespace").GetString());
        Assert.Equal(0, depth.GetProperty("Threshold").GetDouble());
        Assert.Equal("GreaterThanThreshold", depth.GetProperty("ComparisonOperator").GetString());

        foreach (var alarm in new[] { depth, Find("Errors", worker), Find("Throttles", worker) })
        {
            Assert.Equal("GreaterThanThreshold", alarm.GetProperty("ComparisonOperator").GetString());
            Assert.Equal(0, alarm.GetProperty("Threshold").GetDouble());
            Assert.Equal("notBreaching", alarm.GetProperty("TreatMissingData").GetString());
            Assert.Equal(topic, TemplateJson.ReferencedId(Assert.Single(alarm.GetProperty("AlarmActions").EnumerateArray())));
        }
    }

    private JsonElement FunctionProperties(string which) => fixture.Properties(fixture.LogicalId(which == "api" ? fixture.Stack.ApiFunction : fixture.Stack.WorkerFunction));

    private static (string, string)[] KeySchema(JsonElement keySchema) =>
        keySchema.EnumerateArray().Select(k => (k.GetProperty("AttributeName").GetString()!, k.GetProperty("KeyType").GetString()!)).ToArray();
}
