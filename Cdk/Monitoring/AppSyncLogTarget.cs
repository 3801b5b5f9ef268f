using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace AppSyncChat.Cdk.Monitoring;

/// <summary>
/// The CloudWatch log group an AppSync API (GraphQL or Events) writes to, <c>/aws/appsync/apis/&lt;apiId&gt;</c>,
/// created up front with a retention, and a role AppSync assumes that may write to that group only.
/// Replaces the L2 GraphqlApi's log configuration, which in this CDK version adds a
/// <c>Custom::LogRetention</c> Lambda on a Node.js runtime Lambda no longer accepts for new functions.
/// </summary>
public sealed class AppSyncLogTarget : Construct
{
    public AppSyncLogTarget(Construct scope, string id, RetentionDays retention)
        : base(scope, id)
    {
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = AppSyncPrincipal.ForAccountOf(this),
            Description = "AppSync: writes the API's CloudWatch logs to its own log group.",
        });
        Retention = retention;
    }

    public Role Role { get; }

    public RetentionDays Retention { get; }

    public LogGroup? LogGroup { get; private set; }

    /// <summary>Creates the group once the API id is known and lets the role write to it (and nothing else).</summary>
    public LogGroup BindTo(string apiId)
    {
        if (LogGroup is not null)
        {
            throw new InvalidOperationException("The log target is already bound to an API.");
        }

        var name = $"/aws/appsync/apis/{apiId}";
        LogGroup = new LogGroup(this, "Group", new LogGroupProps
        {
            LogGroupName = name,
            Retention = Retention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        // CreateLogGroup on this one name only: the group already exists, but AppSync may still ask.
        var groupArn = Stack.Of(this).FormatArn(new ArnComponents
        {
            Service = "logs",
            Resource = "log-group",
            ResourceName = name,
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        });
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [groupArn, $"{groupArn}:*"],
        }));
        return LogGroup;
    }
}

/// <summary>The AppSync service principal, limited to this account (confused-deputy guard on every role AppSync assumes).</summary>
public static class AppSyncPrincipal
{
    public static ServicePrincipal ForAccountOf(IConstruct scope) => new("appsync.amazonaws.com", new ServicePrincipalOpts
    {
        Conditions = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(scope).Account },
        },
    });
}
