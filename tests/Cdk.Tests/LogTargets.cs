using System.Text.Json;

namespace AppSyncChat.Cdk.Tests;

internal static class LogTargets
{
    /// <summary>
    /// The logs role named by <paramref name="roleArn"/> may only create/write <c>/aws/appsync/apis/&lt;apiId&gt;</c>,
    /// and that group is created by the stack with a 30-day retention.
    /// </summary>
    public static void AssertWritesOnlyItsGroup(StackFixture fixture, JsonElement roleArn, Amazon.CDK.AWS.Logs.LogGroup logGroup, Constructs.IConstruct api)
    {
        var role = TemplateJson.ReferencedId(roleArn)!;
        var apiId = $"{{{fixture.LogicalId(api)}.ApiId}}";

        var statement = Assert.Single(fixture.StatementsOfRole(role));
        Assert.Equal(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], TemplateJson.Actions(statement).Order(StringComparer.Ordinal).ToArray());
        var groupArn = $"arn:{{AWS::Partition}}:logs:eu-west-1:123456789012:log-group:/aws/appsync/apis/{apiId}";
        Assert.Equal([groupArn, groupArn + ":*"], statement.GetProperty("Resource").EnumerateArray().Select(TemplateJson.Render).ToArray());

        var trust = Assert.Single(fixture.Properties(role).GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("appsync.amazonaws.com", trust.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal("123456789012", trust.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:SourceAccount").GetString());

        var group = fixture.Properties(fixture.LogicalId(logGroup));
        Assert.Equal($"/aws/appsync/apis/{apiId}", TemplateJson.Render(group.GetProperty("LogGroupName")));
        Assert.Equal(30, group.GetProperty("RetentionInDays").GetInt32());
    }
}
