using AppSyncChat.Cdk;
using AppSyncChat.Cdk.Configuration;
using Amazon.CDK;
using CdkEnvironment = Amazon.CDK.Environment;

// cdk.json runs this from the Cdk/ folder; relative context paths resolve against it.
var app = new App();
string? Context(string key) => app.Node.TryGetContext(key)?.ToString();

AppSyncChatOptions options;
try
{
    options = AppSyncChatOptions.FromContext(Context, Directory.GetCurrentDirectory(), DateTimeOffset.UtcNow);
}
catch (CdkConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

_ = new AppSyncChatStack(app, Context(ContextKeys.StackName) ?? "AppSyncChat", options, new StackProps
{
    // The account and region of the CLI's credentials (cdk sets these variables for the app).
    Env = new CdkEnvironment
    {
        Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
        Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
    },
    Description = "AppSyncChat: streaming LLM chat on AppSync GraphQL, SQS, Lambda, Bedrock and AppSync Events.",
});
app.Synth();
return 0;
