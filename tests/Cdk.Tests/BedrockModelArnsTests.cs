using AppSyncChat.Cdk.Bedrock;

namespace AppSyncChat.Cdk.Tests;

public sealed class BedrockModelArnsTests
{
    [Fact]
    public void For_FoundationModel_RegionalFoundationModelArn() => Assert.Equal(
        ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"],
        BedrockModelArns.For("anthropic.claude-3-haiku-20240307-v1:0", "aws", "eu-west-1", "123456789012"));

    [Theory]
    [InlineData("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0")]
    [InlineData("global.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0")]
    [InlineData("apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0")]
    public void For_InferenceProfile_ProfileArnAndFoundationModelInAnyRegion(string profile, string model) => Assert.Equal(
        [$"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}", $"arn:aws:bedrock:*::foundation-model/{model}"],
        BedrockModelArns.For(profile, "aws", "us-east-1", "123456789012"));

    [Fact]
    public void For_Arn_Unchanged() => Assert.Equal(
        ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"],
        BedrockModelArns.For("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", "aws", "us-east-1", "123456789012"));

    [Fact]
    public void For_ProviderNamedLikeNoPrefix_IsFoundationModel() => Assert.Equal(
        ["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1"],
        BedrockModelArns.For("amazon.titan-text-express-v1", "aws", "us-east-1", "123456789012"));
}
