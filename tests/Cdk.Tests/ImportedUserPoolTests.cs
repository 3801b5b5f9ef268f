namespace AppSyncChat.Cdk.Tests;

/// <summary>A second synthesis with an imported user pool and data that is deleted with the stack.</summary>
public sealed class ImportedUserPoolTests
{
    [Fact]
    public void ImportedPool_NoPoolCreated_AuthUsesTheGivenIds()
    {
        using var fixture = StackFixture.Synthesize(StackFixture.Options() with
        {
            ExistingUserPoolId = "eu-west-1_Imported1",
            ExistingUserPoolClientId = "importedclient",
            RetainData = false,
            ModelIds = ["eu.anthropic.claude-3-7-sonnet-20250219-v1:0"],
        });

        Assert.Empty(fixture.Resources("AWS::Cognito::UserPool"));
        Assert.Empty(fixture.Resources("AWS::Cognito::UserPoolClient"));
        Assert.Equal("eu-west-1_Imported1", fixture.Single("AWS::AppSync::GraphQLApi").GetProperty("UserPoolConfig").GetProperty("UserPoolId").GetString());
        var cognito = Assert.Single(
            fixture.Single("AWS::AppSync::Api").GetProperty("EventConfig").GetProperty("AuthProviders").EnumerateArray(),
            p => p.GetProperty("AuthType").GetString() == "AMAZON_COGNITO_USER_POOLS");
        Assert.Equal("eu-west-1_Imported1", cognito.GetProperty("CognitoConfig").GetProperty("UserPoolId").GetString());

        var outputs = fixture.Json.RootElement.GetProperty("Outputs");
        Assert.Equal("eu-west-1_Imported1", outputs.GetProperty(OutputNames.UserPoolId).GetProperty("Value").GetString());
        Assert.Equal("importedclient", outputs.GetProperty(OutputNames.UserPoolClientId).GetProperty("Value").GetString());

        var (_, table) = Assert.Single(fixture.Resources("AWS::DynamoDB::Table"));
        Assert.Equal("Delete", table.GetProperty("DeletionPolicy").GetString());

        var worker = fixture.Properties(fixture.LogicalId(fixture.Stack.WorkerFunction));
        Assert.Equal("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", worker.GetProperty("Environment").GetProperty("Variables").GetProperty("APPSYNCCHAT_MODEL_ID").GetString());
    }
}
