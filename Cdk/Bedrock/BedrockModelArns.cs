namespace AppSyncChat.Cdk.Bedrock;

/// <summary>
/// The IAM resources a Bedrock model id needs for <c>bedrock:InvokeModelWithResponseStream</c>:
/// <list type="bullet">
/// <item>a foundation model id (<c>anthropic.claude-3-haiku-20240307-v1:0</c>) → its foundation-model ARN in the stack's region;</item>
/// <item>a cross-region inference profile id (<c>us.anthropic…</c>, <c>eu.…</c>, <c>apac.…</c>, <c>global.…</c>) → the
/// profile ARN in the stack's region and the foundation model in every region (<c>*</c>), because the profile
/// routes the request to a region Bedrock chooses;</item>
/// <item>a full ARN → itself.</item>
/// </list>
/// </summary>
public static class BedrockModelArns
{
    private static readonly string[] ProfilePrefixes = ["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

    public static IReadOnlyList<string> For(string modelId, string partition, string region, string account)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (modelId.StartsWith("arn:", StringComparison.Ordinal))
        {
            return [modelId];
        }

        var dot = modelId.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && ProfilePrefixes.Contains(modelId[..dot], StringComparer.Ordinal))
        {
            var foundationModel = modelId[(dot + 1)..];
            return
            [
                $"arn:{partition}:bedrock:{region}:{account}:inference-profile/{modelId}",
                $"arn:{partition}:bedrock:*::foundation-model/{foundationModel}",
            ];
        }

        return [$"arn:{partition}:bedrock:{region}::foundation-model/{modelId}"];
    }
}
