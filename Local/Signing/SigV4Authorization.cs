using System.Diagnostics.CodeAnalysis;

namespace AppSyncChat.Local.Signing;

/// <summary>The parsed parts of an <c>Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…</c> header.</summary>
internal sealed record SigV4Authorization(
    string AccessKeyId,
    string ScopeDate,
    string ScopeRegion,
    string ScopeService,
    IReadOnlyList<string> SignedHeaders,
    string Signature)
{
    private const string Prefix = "AWS4-HMAC-SHA256";

    public static bool TryParse(string header, [NotNullWhen(true)] out SigV4Authorization? result, out string error)
    {
        result = null;
        header = header.Trim();
        if (!header.StartsWith(Prefix + " ", StringComparison.Ordinal))
        {
            error = $"Authorization header must use the {Prefix} algorithm.";
            return false;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[Prefix.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"Authorization header component '{part}' is not a key=value pair.";
                return false;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: break;
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            error = "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.";
            return false;
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope.Any(string.IsNullOrEmpty))
        {
            error = "Credential must have the form <access key>/<yyyyMMdd>/<region>/<service>/aws4_request.";
            return false;
        }

        var names = signedHeaders.Split(';');
        if (names.Any(n => n.Length == 0 || !string.Equals(n, n.ToLowerInvariant(), StringComparison.Ordinal)))
        {
            error = "SignedHeaders must be a ';'-separated list of lowercase header names.";
            return false;
        }

        if (signature.Length != 64 || !signature.All(Uri.IsHexDigit))
        {
            error = "Signature must be 64 hexadecimal characters.";
            return false;
        }

        result = new SigV4Authorization(scope[0], scope[1], scope[2], scope[3], names, signature);
        error = string.Empty;
        return true;
    }
}
