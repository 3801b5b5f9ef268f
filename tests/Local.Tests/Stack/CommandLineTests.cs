using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Local.Tests.Stack;

public sealed class CommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Parse_NoArguments_UsesTheAgreedPortsAndTheDefaultEndpointsFile()
    {
        var command = LocalCommandLine.Parse([], NoEnvironment);

        Assert.Equal(LocalStackPorts.Default, command.Options.Ports);
        Assert.Equal(4000, command.Options.Ports.GraphQL);
        Assert.Equal(4050, command.Options.Ports.Lambda);
        Assert.True(command.UseDefaultEndpointsFile);
        Assert.False(command.ShowHelp);
    }

    [Fact]
    public void Parse_FlagAndEnvironment_FlagWins()
    {
        var environment = new Dictionary<string, string>
        {
            [LocalSettingNames.GraphQLPort] = "5000",
            [LocalSettingNames.SqsPort] = "5040",
        };

        var command = LocalCommandLine.Parse(["--graphql-port", "6000", "--bedrock-port=0"], name => environment.GetValueOrDefault(name));

        Assert.Equal(6000, command.Options.Ports.GraphQL);
        Assert.Equal(5040, command.Options.Ports.Sqs);
        Assert.Equal(0, command.Options.Ports.Bedrock);
    }

    [Fact]
    public void Parse_EndpointsFileAndModelFlags_AreApplied()
    {
        var command = LocalCommandLine.Parse(
            ["--endpoints-file", "/tmp/x/endpoints.json", "--model-ttft-ms", "25", "--model-tokens-per-second", "500", "--model-answer-tokens", "8", "--model-id", "m1"],
            NoEnvironment);

        Assert.Equal("/tmp/x/endpoints.json", command.Options.EndpointsFilePath);
        Assert.False(command.UseDefaultEndpointsFile);
        Assert.Equal(TimeSpan.FromMilliseconds(25), command.Options.Model.TimeToFirstToken);
        Assert.Equal(500, command.Options.Model.TokensPerSecond);
        Assert.Equal(8, command.Options.Model.AnswerTokens);
        Assert.Equal("m1", command.Options.Model.ModelId);
    }

    [Fact]
    public void Parse_NoEndpointsFile_WritesNone()
    {
        var command = LocalCommandLine.Parse(["--no-endpoints-file"], NoEnvironment);

        Assert.Null(command.Options.EndpointsFilePath);
        Assert.False(command.UseDefaultEndpointsFile);
    }

    [Theory]
    [InlineData("--graphql-port", "70000")]
    [InlineData("--sqs-port", "abc")]
    [InlineData("--lambda-port", "-1")]
    public void Parse_BadPort_FailsNamingTheFlag(string flag, string value)
    {
        var error = Assert.Throws<LocalStackException>(() => LocalCommandLine.Parse([flag, value], NoEnvironment));

        Assert.Equal(LocalStackErrorCode.InvalidOption, error.Code);
        Assert.Contains(flag, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFlag_FailsPointingToHelp()
    {
        var error = Assert.Throws<LocalStackException>(() => LocalCommandLine.Parse(["--grapql-port", "1"], NoEnvironment));

        Assert.Contains("--grapql-port", error.Message, StringComparison.Ordinal);
        Assert.Contains("--help", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Help_ShowsHelpListingEveryPortFlag()
    {
        var command = LocalCommandLine.Parse(["--help"], NoEnvironment);

        Assert.True(command.ShowHelp);
        foreach (var flag in new[] { "--graphql-port", "--events-port", "--events-tls-port", "--bedrock-port", "--dynamodb-port", "--sqs-port", "--lambda-port", "--endpoints-file" })
        {
            Assert.Contains(flag, LocalCommandLine.HelpText, StringComparison.Ordinal);
        }
    }
}
