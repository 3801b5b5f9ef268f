using System.Text.Json;
using AppSyncChat.Cdk.Events;

namespace AppSyncChat.Cdk.Tests;

/// <summary>The AppSync Event API written as raw CloudFormation: auth modes, namespace, key, handler wiring.</summary>
[Collection(StackCollection.Name)]
public sealed class EventsApiTests(StackFixture fixture)
{
    [Fact]
    public void EventApi_ProvidersAndDefaults_SubscribeByKeyOrCognito_PublishByIamOnly()
    {
        var config = fixture.Single("AWS::AppSync::Api").GetProperty("EventConfig");

        Assert.Equal(["AMAZON_COGNITO_USER_POOLS", "API_KEY", "AWS_IAM"], AuthTypes(config.GetProperty("AuthProviders")));
        Assert.Equal(["AMAZON_COGNITO_USER_POOLS", "API_KEY", "AWS_IAM"], AuthTypes(config.GetProperty("ConnectionAuthModes")));
        Assert.Equal(["AWS_IAM"], AuthTypes(config.GetProperty("DefaultPublishAuthModes")));
        Assert.Equal(["AMAZON_COGNITO_USER_POOLS", "API_KEY"], AuthTypes(config.GetProperty("DefaultSubscribeAuthModes")));

        var cognito = Assert.Single(config.GetProperty("AuthProviders").EnumerateArray(), p => p.GetProperty("AuthType").GetString() == "AMAZON_COGNITO_USER_POOLS");
        Assert.Equal(fixture.LogicalId(fixture.Stack.UserPool), TemplateJson.ReferencedId(cognito.GetProperty("CognitoConfig").GetProperty("UserPoolId")));
        Assert.Equal("eu-west-1", cognito.GetProperty("CognitoConfig").GetProperty("AwsRegion").GetString());
    }

    [Fact]
    public void ChatNamespace_SubscribeApiKeyOrCognito_PublishIamOnly()
    {
        var chatNamespace = fixture.Single("AWS::AppSync::ChannelNamespace");

        Assert.Equal("chat", chatNamespace.GetProperty("Name").GetString());
        Assert.Equal(fixture.LogicalId(fixture.Stack.Events.Resource), TemplateJson.ReferencedId(chatNamespace.GetProperty("ApiId")));
        Assert.Equal(["AMAZON_COGNITO_USER_POOLS", "API_KEY"], AuthTypes(chatNamespace.GetProperty("SubscribeAuthModes")));
        Assert.Equal(["AWS_IAM"], AuthTypes(chatNamespace.GetProperty("PublishAuthModes")));
    }

    [Fact]
    public void ChatNamespace_OnSubscribe_IsCodeHandlerOverOwnershipDataSource()
    {
        var (namespaceId, chatNamespace) = Assert.Single(fixture.Resources("AWS::AppSync::ChannelNamespace"));
        var properties = chatNamespace.GetProperty("Properties");
        var onSubscribe = properties.GetProperty("HandlerConfigs").GetProperty("OnSubscribe");

        Assert.Equal("CODE", onSubscribe.GetProperty("Behavior").GetString());
        var dataSourceName = onSubscribe.GetProperty("Integration").GetProperty("DataSourceName").GetString();
        Assert.False(properties.GetProperty("HandlerConfigs").TryGetProperty("OnPublish", out _));

        var (dataSourceId, dataSource) = Assert.Single(
            fixture.Resources("AWS::AppSync::DataSource"),
            d => d.Resource.GetProperty("Properties").GetProperty("Name").GetString() == dataSourceName);
        var dataSourceProperties = dataSource.GetProperty("Properties");
        Assert.Equal("AMAZON_DYNAMODB", dataSourceProperties.GetProperty("Type").GetString());
        Assert.Equal(fixture.LogicalId(fixture.Stack.Events.Resource), TemplateJson.ReferencedId(dataSourceProperties.GetProperty("ApiId")));
        Assert.Equal(fixture.LogicalId(fixture.Stack.Table), TemplateJson.ReferencedId(dataSourceProperties.GetProperty("DynamoDBConfig").GetProperty("TableName")));

        // The namespace names the data source, so CloudFormation must create the data source first.
        Assert.Contains(dataSourceId, TemplateJson.Strings(chatNamespace.GetProperty("DependsOn")));

        var code = properties.GetProperty("CodeHandlers").GetString()!;
        Assert.Equal(ChatNamespaceHandlers.Build(), code);
        Assert.Contains("export const onSubscribe", code, StringComparison.Ordinal);
        Assert.True(code.Length <= 32768);
        _ = namespaceId;
    }

    [Fact]
    public void EventApi_LogsErrorsToItsOwnGroup_WithStreamOnlyRole()
    {
        var logConfig = fixture.Single("AWS::AppSync::Api").GetProperty("EventConfig").GetProperty("LogConfig");
        Assert.Equal("ERROR", logConfig.GetProperty("LogLevel").GetString());

        LogTargets.AssertWritesOnlyItsGroup(fixture, logConfig.GetProperty("CloudWatchLogsRoleArn"), fixture.Stack.Events.LogGroup!, fixture.Stack.Events.Resource);
    }

    [Fact]
    public void EventsApiKey_ExpiresWithinAppSyncsYear_RoundedToTheHour()
    {
        var key = Assert.Single(fixture.Resources("AWS::AppSync::ApiKey"), k =>
            TemplateJson.ReferencedId(k.Resource.GetProperty("Properties").GetProperty("ApiId")) == fixture.LogicalId(fixture.Stack.Events.Resource));
        var expires = key.Resource.GetProperty("Properties").GetProperty("Expires").GetInt64();

        Assert.Equal(0, expires % 3600);
        var expiry = DateTimeOffset.FromUnixTimeSeconds(expires);
        Assert.InRange(expiry, StackFixture.Now.AddDays(364), StackFixture.Now.AddDays(365));
    }

    [Fact]
    public void EventsApi_NamespaceModeNotAProvider_Throws()
    {
        var app = new Amazon.CDK.App();
        var stack = new Amazon.CDK.Stack(app, "Probe");
        var api = new EventsApi(stack, "Api", new EventsApiProps
        {
            Name = "probe",
            AuthProviders = [EventsAuthType.Iam],
            ConnectionAuthModes = [EventsAuthType.Iam],
            DefaultPublishAuthModes = [EventsAuthType.Iam],
            DefaultSubscribeAuthModes = [EventsAuthType.Iam],
        });

        var error = Assert.Throws<ArgumentException>(() => api.AddChannelNamespace("Ns", new ChannelNamespaceOptions
        {
            Name = "chat",
            SubscribeAuthModes = [EventsAuthType.ApiKey],
            PublishAuthModes = [EventsAuthType.Iam],
        }));
        Assert.Contains("API_KEY", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => api.AddApiKey("Key", StackFixture.Now.AddDays(30), "probe"));
    }

    [Fact]
    public void EventsApi_CognitoProviderWithoutPool_Throws()
    {
        var stack = new Amazon.CDK.Stack(new Amazon.CDK.App(), "Probe");

        var error = Assert.Throws<ArgumentException>(() => new EventsApi(stack, "Api", new EventsApiProps
        {
            Name = "probe",
            AuthProviders = [EventsAuthType.CognitoUserPools],
            ConnectionAuthModes = [EventsAuthType.CognitoUserPools],
            DefaultPublishAuthModes = [EventsAuthType.CognitoUserPools],
            DefaultSubscribeAuthModes = [EventsAuthType.CognitoUserPools],
        }));
        Assert.Contains("CognitoUserPoolId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventsApi_InvalidNamespaceName_Throws()
    {
        var stack = new Amazon.CDK.Stack(new Amazon.CDK.App(), "Probe");
        var api = new EventsApi(stack, "Api", new EventsApiProps
        {
            Name = "probe",
            AuthProviders = [EventsAuthType.Iam],
            ConnectionAuthModes = [EventsAuthType.Iam],
            DefaultPublishAuthModes = [EventsAuthType.Iam],
            DefaultSubscribeAuthModes = [EventsAuthType.Iam],
        });

        Assert.Throws<ArgumentException>(() => api.AddChannelNamespace("Ns", new ChannelNamespaceOptions
        {
            Name = "chat/rooms",
            SubscribeAuthModes = [EventsAuthType.Iam],
            PublishAuthModes = [EventsAuthType.Iam],
        }));
    }

    private static string[] AuthTypes(JsonElement modes) =>
        modes.EnumerateArray().Select(m => m.GetProperty("AuthType").GetString()!).Order(StringComparer.Ordinal).ToArray();
}
