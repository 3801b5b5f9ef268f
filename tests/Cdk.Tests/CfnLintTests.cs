using System.Diagnostics;
using System.Text.Json;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// cfn-lint validates the synthesized template against the CloudFormation resource schemas, which
/// covers the raw AppSync Event API resources this CDK version cannot type-check (property names,
/// allowed values) and deprecated runtimes. cfn-lint is installed on the project's machines (pip).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CfnLintTests(StackFixture fixture)
{
    [Fact]
    public async Task Template_PassesCfnLint_WithoutErrors()
    {
        var templatePath = Path.Combine(Path.GetTempPath(), $"appsyncchat-template-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(templatePath, fixture.Json.RootElement.GetRawText());
        try
        {
            Process process;
            try
            {
                process = Process.Start(new ProcessStartInfo("cfn-lint", ["--format", "json", templatePath])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                }) ?? throw new InvalidOperationException("cfn-lint did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                Assert.Fail($"cfn-lint is not on PATH ({ex.Message}); install it with 'pip install cfn-lint'.");
                return;
            }

            using (process)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                try
                {
                    var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                    var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                    await process.WaitForExitAsync(timeout.Token);
                    var output = await stdout;
                    Assert.True(output.TrimStart().StartsWith('['), $"cfn-lint exited {process.ExitCode}: {output}{await stderr}");

                    var errors = JsonDocument.Parse(output).RootElement.EnumerateArray()
                        .Where(match => match.GetProperty("Level").GetString() == "Error")
                        .Select(match => $"{match.GetProperty("Rule").GetProperty("Id").GetString()}: {match.GetProperty("Message").GetString()}")
                        .ToList();
                    Assert.True(errors.Count == 0, string.Join('\n', errors));
                }
                finally
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
            }
        }
        finally
        {
            File.Delete(templatePath);
        }
    }
}
