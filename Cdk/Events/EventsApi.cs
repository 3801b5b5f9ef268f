using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.AppSync;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using AppSyncChat.Cdk.Monitoring;
using Constructs;

namespace AppSyncChat.Cdk.Events;

/// <summary>Settings of an AppSync Event API (<c>AWS::AppSync::Api</c> with <c>EventConfig</c>).</summary>
public sealed record EventsApiProps
{
    public required string Name { get; init; }

    /// <summary>Every auth type the API accepts anywhere (the <c>AuthProviders</c>).</summary>
    public required IReadOnlyList<EventsAuthType> AuthProviders { get; init; }

    /// <summary>User pool for <see cref="EventsAuthType.CognitoUserPools"/>; required when that provider is listed.</summary>
    public string? CognitoUserPoolId { get; init; }

    public required IReadOnlyList<EventsAuthType> ConnectionAuthModes { get; init; }

    public required IReadOnlyList<EventsAuthType> DefaultPublishAuthModes { get; init; }

    public required IReadOnlyList<EventsAuthType> DefaultSubscribeAuthModes { get; init; }

    /// <summary>CloudWatch logging of connects, publishes, subscribes and handler errors; null turns logging off.</summary>
    public EventsLogLevel? LogLevel { get; init; }

    /// <summary>Retention of the API's log group (<c>/aws/appsync/apis/&lt;apiId&gt;</c>), created by the construct when logging is on.</summary>
    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;
}

/// <summary>The Event API's <c>EventConfig.LogConfig.LogLevel</c> values.</summary>
public enum EventsLogLevel
{
    Error,
    Info,
    Debug,
    All,
}

/// <summary>Settings of one channel namespace (<c>AWS::AppSync::ChannelNamespace</c>).</summary>
public sealed record ChannelNamespaceOptions
{
    public required string Name { get; init; }

    /// <summary>Overrides the API's default subscribe modes for this namespace.</summary>
    public required IReadOnlyList<EventsAuthType> SubscribeAuthModes { get; init; }

    /// <summary>Overrides the API's default publish modes for this namespace.</summary>
    public required IReadOnlyList<EventsAuthType> PublishAuthModes { get; init; }

    /// <summary>APPSYNC_JS source exporting <c>onPublish</c> and/or <c>onSubscribe</c>; null for the default pass-through behaviour.</summary>
    public string? CodeHandlers { get; init; }

    /// <summary>Data source the <c>onSubscribe</c> handler's request/response pair talks to; null when the handler is a plain function.</summary>
    public EventsDataSource? OnSubscribeDataSource { get; init; }
}

/// <summary>
/// A typed construct over the raw CloudFormation resources of an AppSync Event API. Amazon.CDK.Lib 2.160.0
/// has neither L2 constructs nor L1 classes for Event APIs (they arrived in later releases), so the
/// resources are written as <see cref="CfnResource"/> with property names checked against the
/// CloudFormation reference (AWS::AppSync::Api EventConfig, AWS::AppSync::ChannelNamespace, AWS::AppSync::ApiKey).
/// Data sources use the existing <see cref="CfnDataSource"/> (AWS::AppSync::DataSource takes an Event API id too).
/// </summary>
public sealed partial class EventsApi : Construct
{
    private readonly HashSet<EventsAuthType> _providers;

    public EventsApi(Construct scope, string id, EventsApiProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        _providers = [.. props.AuthProviders];
        if (_providers.Count == 0)
        {
            throw new ArgumentException("An Event API needs at least one auth provider.", nameof(props));
        }

        if (_providers.Contains(EventsAuthType.CognitoUserPools) && string.IsNullOrEmpty(props.CognitoUserPoolId))
        {
            throw new ArgumentException("The Cognito auth provider needs CognitoUserPoolId.", nameof(props));
        }

        RequireProviders(props.ConnectionAuthModes, "connection");
        RequireProviders(props.DefaultPublishAuthModes, "default publish");
        RequireProviders(props.DefaultSubscribeAuthModes, "default subscribe");

        var region = Stack.Of(this).Region;
        var providers = props.AuthProviders.Select(type => (object)(type == EventsAuthType.CognitoUserPools
            ? new Dictionary<string, object>
            {
                ["AuthType"] = type.ToWire(),
                ["CognitoConfig"] = new Dictionary<string, object>
                {
                    ["AwsRegion"] = region,
                    ["UserPoolId"] = props.CognitoUserPoolId!,
                },
            }
            : new Dictionary<string, object> { ["AuthType"] = type.ToWire() })).ToArray();

        var eventConfig = new Dictionary<string, object>
        {
            ["AuthProviders"] = providers,
            ["ConnectionAuthModes"] = AuthModes(props.ConnectionAuthModes),
            ["DefaultPublishAuthModes"] = AuthModes(props.DefaultPublishAuthModes),
            ["DefaultSubscribeAuthModes"] = AuthModes(props.DefaultSubscribeAuthModes),
        };

        AppSyncLogTarget? logs = null;
        if (props.LogLevel is { } level)
        {
            logs = new AppSyncLogTarget(this, "Logs", props.LogRetention);
            eventConfig["LogConfig"] = new Dictionary<string, object>
            {
                ["CloudWatchLogsRoleArn"] = logs.Role.RoleArn,
                ["LogLevel"] = level.ToWire(),
            };
        }

        Resource = new CfnResource(this, "Resource", new CfnResourceProps
        {
            Type = EventsCfn.ApiType,
            Properties = new Dictionary<string, object>
            {
                ["Name"] = props.Name,
                ["EventConfig"] = eventConfig,
            },
        });

        ApiId = Token.AsString(Resource.GetAtt(EventsCfn.AttrApiId));
        ApiArn = Token.AsString(Resource.GetAtt(EventsCfn.AttrApiArn));
        HttpDomain = Token.AsString(Resource.GetAtt(EventsCfn.AttrDnsHttp));
        RealtimeDomain = Token.AsString(Resource.GetAtt(EventsCfn.AttrDnsRealtime));
        LogGroup = logs?.BindTo(ApiId);
    }

    public CfnResource Resource { get; }

    /// <summary>The API's log group when logging is on.</summary>
    public LogGroup? LogGroup { get; }

    public string ApiId { get; }

    public string ApiArn { get; }

    /// <summary>Host of the HTTP endpoint (<c>&lt;id&gt;.appsync-api.&lt;region&gt;.amazonaws.com</c>).</summary>
    public string HttpDomain { get; }

    /// <summary>Host of the WebSocket endpoint (<c>&lt;id&gt;.appsync-realtime-api.&lt;region&gt;.amazonaws.com</c>).</summary>
    public string RealtimeDomain { get; }

    /// <summary>The HTTP publish URL, <c>https://&lt;http-domain&gt;/event</c>.</summary>
    public string HttpEndpoint => $"https://{HttpDomain}/event";

    /// <summary>The WebSocket URL, <c>wss://&lt;realtime-domain&gt;/event/realtime</c>.</summary>
    public string RealtimeEndpoint => $"wss://{RealtimeDomain}/event/realtime";

    /// <summary>An API key (<c>AWS::AppSync::ApiKey</c>) valid until <paramref name="expires"/> (rounded down to the hour, as AppSync does).</summary>
    public string AddApiKey(string id, DateTimeOffset expires, string description)
    {
        if (!_providers.Contains(EventsAuthType.ApiKey))
        {
            throw new InvalidOperationException("The API has no API_KEY auth provider.");
        }

        var key = new CfnResource(this, id, new CfnResourceProps
        {
            Type = EventsCfn.ApiKeyType,
            Properties = new Dictionary<string, object>
            {
                ["ApiId"] = ApiId,
                ["Description"] = description,
                ["Expires"] = ApiKeyExpiry.ToEpochSeconds(expires),
            },
        });
        return Token.AsString(key.GetAtt(EventsCfn.AttrApiKey));
    }

    /// <summary>A DynamoDB data source the namespace handlers can read through (GetItem only on <paramref name="table"/>).</summary>
    public EventsDataSource AddDynamoDbReadDataSource(string id, string name, ITable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!DataSourceName().IsMatch(name))
        {
            throw new ArgumentException($"Data source name '{name}' must match [_A-Za-z][_0-9A-Za-z]*.", nameof(name));
        }

        var scope = new Construct(this, id);
        var stack = Stack.Of(this);
        var role = new Role(scope, "ServiceRole", new RoleProps
        {
            AssumedBy = AppSyncPrincipal.ForAccountOf(this),
            Description = "AppSync Events onSubscribe handler: reads conversation ownership.",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["dynamodb:GetItem"],
            Resources = [table.TableArn],
        }));

        var dataSource = new CfnDataSource(scope, "Resource", new CfnDataSourceProps
        {
            ApiId = ApiId,
            Name = name,
            Type = "AMAZON_DYNAMODB",
            ServiceRoleArn = role.RoleArn,
            DynamoDbConfig = new CfnDataSource.DynamoDBConfigProperty
            {
                TableName = table.TableName,
                AwsRegion = stack.Region,
            },
        });
        return new EventsDataSource(name, dataSource, role);
    }

    public EventsChannelNamespace AddChannelNamespace(string id, ChannelNamespaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Contracts.Channels.ChannelIds.IsValid(options.Name))
        {
            throw new ArgumentException($"Namespace name '{options.Name}' {Contracts.Channels.ChannelIds.Explain(options.Name)}.", nameof(options));
        }

        RequireProviders(options.SubscribeAuthModes, $"namespace '{options.Name}' subscribe");
        RequireProviders(options.PublishAuthModes, $"namespace '{options.Name}' publish");
        if (options.OnSubscribeDataSource is not null && string.IsNullOrEmpty(options.CodeHandlers))
        {
            throw new ArgumentException("A data source integration needs CodeHandlers with an onSubscribe request/response pair.", nameof(options));
        }

        var properties = new Dictionary<string, object>
        {
            ["ApiId"] = ApiId,
            ["Name"] = options.Name,
            ["SubscribeAuthModes"] = AuthModes(options.SubscribeAuthModes),
            ["PublishAuthModes"] = AuthModes(options.PublishAuthModes),
        };
        if (!string.IsNullOrEmpty(options.CodeHandlers))
        {
            if (options.CodeHandlers.Length > 32768)
            {
                throw new ArgumentException("CodeHandlers may hold at most 32768 characters.", nameof(options));
            }

            properties["CodeHandlers"] = options.CodeHandlers;
        }

        if (options.OnSubscribeDataSource is { } source)
        {
            properties["HandlerConfigs"] = new Dictionary<string, object>
            {
                ["OnSubscribe"] = new Dictionary<string, object>
                {
                    ["Behavior"] = EventsCfn.HandlerBehaviorCode,
                    ["Integration"] = new Dictionary<string, object> { ["DataSourceName"] = source.Name },
                },
            };
        }

        var resource = new CfnResource(this, id, new CfnResourceProps
        {
            Type = EventsCfn.ChannelNamespaceType,
            Properties = properties,
        });
        if (options.OnSubscribeDataSource is { } dependency)
        {
            resource.AddDependency(dependency.Resource);
        }

        return new EventsChannelNamespace(options.Name, resource, Token.AsString(resource.GetAtt(EventsCfn.AttrChannelNamespaceArn)));
    }

    private void RequireProviders(IReadOnlyList<EventsAuthType> modes, string what)
    {
        if (modes.Count == 0)
        {
            throw new ArgumentException($"The {what} auth modes must not be empty.");
        }

        foreach (var mode in modes)
        {
            if (!_providers.Contains(mode))
            {
                throw new ArgumentException($"The {what} auth mode {mode.ToWire()} is not one of the API's auth providers.");
            }
        }
    }

    private static object[] AuthModes(IReadOnlyList<EventsAuthType> modes) =>
        modes.Select(mode => (object)new Dictionary<string, object> { ["AuthType"] = mode.ToWire() }).ToArray();

    [GeneratedRegex("^[_A-Za-z][_0-9A-Za-z]*$", RegexOptions.CultureInvariant)]
    private static partial Regex DataSourceName();
}

/// <summary>An Event API data source (<c>AWS::AppSync::DataSource</c>) and the role AppSync assumes for it.</summary>
public sealed record EventsDataSource(string Name, CfnDataSource Resource, IRole ServiceRole);

/// <summary>A deployed channel namespace and its ARN (the resource of <c>appsync:EventPublish</c>/<c>EventSubscribe</c>).</summary>
public sealed record EventsChannelNamespace(string Name, CfnResource Resource, string Arn)
{
    /// <summary>Lets <paramref name="grantee"/> publish to every channel of this namespace (HTTP publish; no connect, no subscribe).</summary>
    public void GrantPublish(IGrantable grantee)
    {
        ArgumentNullException.ThrowIfNull(grantee);
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["appsync:EventPublish"],
            Resources = [Arn],
        }));
    }
}

/// <summary>AppSync API key expiry: epoch seconds rounded down to the hour, so synthesizing twice within an hour gives the same template.</summary>
public static class ApiKeyExpiry
{
    /// <summary>AppSync accepts 1 to 365 days from now.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);

    public static long ToEpochSeconds(DateTimeOffset expires)
    {
        var seconds = expires.ToUnixTimeSeconds();
        return seconds - (seconds % 3600);
    }
}
