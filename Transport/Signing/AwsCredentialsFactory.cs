using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace AppSyncChat.Aws.Signing;

/// <summary>Where every AWS client in this repository gets its credentials.</summary>
public static class AwsCredentialsFactory
{
    public const string AccessKeyId = "AWS_ACCESS_KEY_ID";
    public const string SecretAccessKey = "AWS_SECRET_ACCESS_KEY";
    public const string SessionToken = "AWS_SESSION_TOKEN";

    /// <summary>
    /// Explicit keys from the settings lookup when present (Lambda sets them as environment variables;
    /// the Local stack passes local keys in-process); otherwise AWSSDK.Core's default chain (profiles,
    /// container and instance credentials).
    /// </summary>
    public static AWSCredentials FromSettings(Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var accessKey = settings(AccessKeyId);
        var secretKey = settings(SecretAccessKey);
        if (!string.IsNullOrEmpty(accessKey) && !string.IsNullOrEmpty(secretKey))
        {
            var token = settings(SessionToken);
            return string.IsNullOrEmpty(token)
                ? new BasicAWSCredentials(accessKey, secretKey)
                : new SessionAWSCredentials(accessKey, secretKey, token);
        }

        return DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
    }
}
